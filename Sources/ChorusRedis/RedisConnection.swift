import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking connection to Redis through hiredis' synchronous API: the only type that touches
/// hiredis pointers.
///
/// A connection belongs to the one thread that created it; it is not `Sendable`. Another thread may
/// only wake it for shutdown, through the file descriptor (see ``ShutdownHandle``).
final class RedisConnection {
    private var context: UnsafeMutablePointer<redisContext>?
    /// Where this connection goes, for messages.
    let address: String

    /// Connects, sets the command timeout, and sends `AUTH` and `SELECT` as the URL asks. With a
    /// Sentinel URL, first asks the Sentinels for the primary, and checks with `ROLE` that the
    /// server it reached is one.
    /// With a `rediss://` URL the connection goes through a ``TLSRelay`` set up with `tls`.
    convenience init(url: RedisURL, tls: RedisTLS, connectTimeout: Duration, commandTimeout: Duration) throws(RedisConnectionError) {
        var host = url.host
        var port = url.port
        let security = url.tls ? tls : nil
        if let sentinel = url.sentinel {
            (host, port) = try Self.askSentinels(sentinel, tls: security, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        }
        let label = url.sentinel == nil ? url.address : "\(url.address) at \(RedisURL.address(host, port))"
        try self.init(host: host, port: port, tls: security, label: label, connectTimeout: connectTimeout, commandTimeout: commandTimeout)

        var setup: [[[UInt8]]] = []
        if let password = url.password {
            setup.append(url.username.map { ["AUTH", $0, password].map(Self.bytes) } ?? ["AUTH", password].map(Self.bytes))
        }
        if url.database != 0 {
            setup.append(["SELECT", String(url.database)].map(Self.bytes))
        }
        if url.sentinel != nil {
            setup.append([Self.bytes("ROLE")])
        }
        do throws(RedisConnectionError) {
            for (command, reply) in zip(setup, try pipeline(setup)) {
                let name = String(decoding: command[0], as: UTF8.self)
                if let message = reply.errorMessage {
                    throw RedisConnectionError("redis at \(label) refused \(name): \(message)")
                }
                if name == "ROLE", let role = reply.array?.first?.text, role != "master" {
                    throw RedisConnectionError("redis at \(label) is a \(role), not the primary (a failover is under way); asking the sentinels again")
                }
            }
        } catch {
            close()
            throw error
        }
    }

    /// Connects to `host:port` (over TLS when `tls` is given) and sets the command timeout;
    /// nothing is sent.
    private init(host: String, port: Int, tls: RedisTLS?, label: String, connectTimeout: Duration, commandTimeout: Duration) throws(RedisConnectionError) {
        address = label
        let made: UnsafeMutablePointer<redisContext>?
        if let tls {
            let descriptor = try TLSRelay.connect(host: host, port: port, tls: tls, label: label, timeout: connectTimeout)
            made = redisConnectFd(descriptor)
            #if canImport(Glibc)
            if made == nil { _ = Glibc.close(descriptor) }
            #else
            if made == nil { _ = Darwin.close(descriptor) }
            #endif
        } else {
            made = redisConnectWithTimeout(host, Int32(port), Self.makeTimeval(connectTimeout))
        }
        guard let context = made else {
            throw RedisConnectionError("cannot connect to redis at \(label): out of memory")
        }
        self.context = context
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            close()
            throw RedisConnectionError("cannot connect to redis at \(label): \(reason)")
        }
        redisSetTimeout(context, Self.makeTimeval(commandTimeout))
        // hiredis opens its socket without CLOEXEC: a process started meanwhile (the tests start
        // node processes while Redis-backed tests run) would keep the connection open after
        // `close()`, and Redis would go on seeing it.
        _ = fcntl(context.pointee.fd, F_SETFD, FD_CLOEXEC)
    }

    /// The primary's address from the first Sentinel that knows it.
    private static func askSentinels(_ sentinel: RedisURL.Sentinel, tls: RedisTLS?, connectTimeout: Duration, commandTimeout: Duration) throws(RedisConnectionError) -> (String, Int) {
        var failures: [String] = []
        for node in sentinel.nodes {
            let label = "sentinel \(RedisURL.address(node.host, node.port))"
            do throws(RedisConnectionError) {
                let connection = try RedisConnection(sentinel: node, of: sentinel, tls: tls, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
                defer { connection.close() }
                let reply = try connection.command(["SENTINEL", "get-master-addr-by-name", sentinel.primaryName].map(bytes))
                if let message = reply.errorMessage { throw RedisConnectionError("\(label) refused: \(message)") }
                guard let parts = reply.array, parts.count == 2, let host = parts[0].text, let port = parts[1].text.flatMap({ Int($0) }), (1...65535).contains(port) else {
                    throw RedisConnectionError("\(label) does not know a primary named '\(sentinel.primaryName)'")
                }
                return (host, port)
            } catch {
                failures.append(error.message)
            }
        }
        throw RedisConnectionError("no sentinel gave the primary '\(sentinel.primaryName)': \(failures.joined(separator: "; "))")
    }

    /// Connects to one Sentinel (over TLS when `tls` is given) and sends `AUTH` with the
    /// Sentinels' password, if the URL has one.
    convenience init(sentinel node: RedisURL.Sentinel.Node, of sentinel: RedisURL.Sentinel, tls: RedisTLS?, connectTimeout: Duration, commandTimeout: Duration) throws(RedisConnectionError) {
        let label = "sentinel \(RedisURL.address(node.host, node.port))"
        try self.init(host: node.host, port: node.port, tls: tls, label: label, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        if let password = sentinel.password {
            do throws(RedisConnectionError) {
                let reply = try command(["AUTH", password].map(Self.bytes))
                if let message = reply.errorMessage { throw RedisConnectionError("\(label) refused AUTH (sentinel_password): \(message)") }
            } catch {
                close()
                throw error
            }
        }
    }

    deinit { close() }

    /// Frees the hiredis context and closes the socket. Idempotent.
    func close() {
        if let context {
            redisFree(context)
            self.context = nil
        }
    }

    /// The socket, for `poll` and for waking a blocked read with `shutdown`.
    var fileDescriptor: Int32 { context?.pointee.fd ?? -1 }

    /// Sends one command and waits for its reply.
    func command(_ arguments: [[UInt8]]) throws(RedisConnectionError) -> RedisReply {
        try append(arguments)
        return try readReply()
    }

    /// Sends all commands at once, then reads their replies in order.
    func pipeline(_ commands: [[[UInt8]]]) throws(RedisConnectionError) -> [RedisReply] {
        for command in commands { try append(command) }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands { replies.append(try readReply()) }
        return replies
    }

    /// Adds a command to the output buffer; nothing is written until a reply is read.
    func append(_ arguments: [[UInt8]]) throws(RedisConnectionError) {
        let context = try open()
        let status = Self.withArgv(arguments) { count, argv, lengths in
            redisAppendCommandArgv(context, count, argv, lengths)
        }
        guard status == REDIS_OK else { throw failure() }
    }

    /// Writes what is buffered and blocks until the next reply (bounded by the command timeout).
    func readReply() throws(RedisConnectionError) -> RedisReply {
        let context = try open()
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw failure() }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// The next reply already read from the socket, without any I/O; `nil` if none is complete.
    func bufferedReply() throws(RedisConnectionError) -> RedisReply? {
        let context = try open()
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw failure() }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Reads what the socket has into hiredis' buffer: call it when `poll` says the socket is
    /// readable, so it does not block. Throws at end of file or on an error.
    func readAvailable() throws(RedisConnectionError) {
        let context = try open()
        guard redisBufferRead(context) == REDIS_OK else { throw failure() }
    }

    private func open() throws(RedisConnectionError) -> UnsafeMutablePointer<redisContext> {
        guard let context else { throw RedisConnectionError("the connection to redis at \(address) is closed") }
        guard context.pointee.err == 0 else { throw failure() }
        return context
    }

    private func failure() -> RedisConnectionError {
        guard let context, context.pointee.err != 0 else {
            return RedisConnectionError("the connection to redis at \(address) failed")
        }
        let reason = Self.errorText(context)
        switch context.pointee.err {
        case REDIS_ERR_EOF: return RedisConnectionError("redis at \(address) closed the connection")
        case REDIS_ERR_IO where reason.contains("temporarily unavailable"):
            return RedisConnectionError("redis at \(address) did not answer in time")
        default: return RedisConnectionError("the connection to redis at \(address) failed: \(reason)")
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func makeTimeval(_ duration: Duration) -> timeval {
        let (seconds, attoseconds) = duration.components
        return timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    /// Calls `body` with C argument vectors for `arguments` (binary-safe: lengths are explicit).
    private static func withArgv<R>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let total = arguments.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(arguments.count, 1))
        let lengths = UnsafeMutablePointer<Int>.allocate(capacity: max(arguments.count, 1))
        defer {
            storage.deallocate()
            pointers.deallocate()
            lengths.deallocate()
        }
        var offset = 0
        for (index, argument) in arguments.enumerated() {
            let slot = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<offset + argument.count])
            slot.copyBytes(from: argument)
            pointers[index] = UnsafePointer(storage.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self))
            lengths[index] = argument.count
            offset += argument.count
        }
        return body(Int32(arguments.count), pointers, lengths)
    }
}

/// A connection that broke or could not be made; the message names the server and the reason.
struct RedisConnectionError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
