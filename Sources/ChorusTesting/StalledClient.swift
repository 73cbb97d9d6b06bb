#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A client that opens an SSE stream and then never reads: the slow consumer every broadcaster
/// must survive. Its receive buffer is made tiny so the server's writes back up quickly.
public final class StalledClient: Sendable {
    private let fd: Int32

    /// Connects to `127.0.0.1:port` and sends `GET path`, then reads nothing.
    public init(port: Int, path: String) throws {
        let connected = FreePort.connectLoopback(port: port) { fd in
            var small: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        }
        guard let connected else { throw ChildProcessError("connect to 127.0.0.1:\(port) failed") }
        fd = connected
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Whether the server has closed the connection (reads what is buffered to find out).
    public var isClosedByServer: Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return true }
            if count < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
    }

    deinit {
        close(fd)
    }
}
