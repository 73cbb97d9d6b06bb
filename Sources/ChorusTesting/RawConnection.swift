#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A plain loopback TCP connection driven byte by byte, for tests that behave as hostile or broken
/// clients do: half a request head, a reset instead of a close, bytes read raw with their framing.
public final class RawConnection: Sendable {
    /// How the server ended the connection, as the client sees it.
    public enum Ending: Sendable, Hashable {
        /// Still open: nothing more to read yet.
        case open
        /// An orderly close (FIN), after everything the server had sent was read.
        case closed
        /// An abortive close (RST): whatever the server had not delivered yet was thrown away.
        case reset
    }

    /// The socket, or -1 once it is closed (after ``reset()``).
    private let socket: Mutex<Int32>
    private var fd: Int32 { socket.withLock { $0 } }

    /// Connects to `127.0.0.1:port`. `receiveBuffer` shrinks the socket's receive buffer, so a
    /// client that does not read backs the server's writes up quickly.
    public init(port: Int, receiveBuffer: Int32? = nil) throws {
        let connected = FreePort.connectLoopback(port: port) { fd in
            guard var size = receiveBuffer else { return }
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        guard let connected else { throw ChildProcessError("connect to 127.0.0.1:\(port) failed") }
        socket = Mutex(connected)
    }

    /// The connection's local port (the server sees it as the peer's port).
    public var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends `text` as it is (no line endings added).
    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        let fd = self.fd
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until what was received ends with (or, with `containing`, contains) `marker`, the
    /// server closes, or `timeout` passes; returns everything received.
    public func read(until marker: String, containing: Bool = false, timeout: Duration = .seconds(10)) async -> String {
        var bytes: [UInt8] = []
        let wanted = Array(marker.utf8)
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)
        let fd = self.fd
        func done() -> Bool {
            containing ? String(decoding: bytes, as: UTF8.self).contains(marker) : bytes.count >= wanted.count && Array(bytes.suffix(wanted.count)) == wanted
        }
        while ContinuousClock.now < deadline && !done() {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { break }
            if count > 0 {
                bytes.append(contentsOf: buffer[..<count])
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try? await Task.sleep(for: .milliseconds(10))
            } else {
                break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Returns whatever is buffered now, without waiting, and whether and how the server ended
    /// the connection: for tests that poll many connections from one task.
    public func readAvailable() -> (bytes: [UInt8], ending: Ending) {
        let fd = self.fd
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return (bytes, .closed) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return (bytes, .open) }
                return (bytes, errno == ECONNRESET ? .reset : .closed)
            }
            bytes.append(contentsOf: buffer[..<count])
        }
    }

    /// Reads (and drops) whatever is buffered, and says whether and how the server ended the
    /// connection.
    public func ending() -> Ending {
        let fd = self.fd
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return .closed }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return .open }
                return errno == ECONNRESET ? .reset : .closed
            }
        }
    }

    /// Resets the connection (`SO_LINGER` 0, then close): the server sees an RST, not a FIN, as
    /// when a client crashes or a middlebox drops it.
    public func reset() {
        socket.withLock { fd in
            guard fd >= 0 else { return }
            var option = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            close(fd)
            fd = -1
        }
    }

    deinit {
        let fd = self.fd
        if fd >= 0 { close(fd) }
    }
}
