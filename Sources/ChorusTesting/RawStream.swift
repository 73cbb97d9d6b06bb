#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP request on a plain loopback socket whose response is read as raw bytes, framing
/// included, for tests that check exactly what a node puts on the wire.
public final class RawStream: Sendable {
    private let fd: Int32

    /// Connects to `127.0.0.1:port` and sends `GET path` (HTTP/1.1).
    public init(port: Int, path: String) throws {
        guard let connected = FreePort.connectLoopback(port: port) else {
            throw ChildProcessError("connect to 127.0.0.1:\(port) failed")
        }
        fd = connected
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Reads until what was received (from the start) ends with `suffix`, the server closes, or
    /// `timeout` passes; returns everything received so far.
    public func read(until suffix: String, received: String = "", timeout: Duration = .seconds(10)) async -> String {
        var bytes = Array(received.utf8)
        let wanted = Array(suffix.utf8)
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline && !(bytes.count >= wanted.count && Array(bytes.suffix(wanted.count)) == wanted) {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count > 0 {
                bytes.append(contentsOf: buffer[..<count])
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    deinit {
        close(fd)
    }
}
