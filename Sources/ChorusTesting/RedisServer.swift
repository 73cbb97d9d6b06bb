import Foundation

/// A real `redis-server` for tests: on a free loopback port, with its files in a temporary
/// directory, stopped by its own PID. It can be killed with SIGKILL and restarted on the same port
/// and directory (with an append-only file, what was acknowledged survives), or frozen with
/// SIGSTOP to play a server that stops answering.
public final class RedisServer: @unchecked Sendable {
    // @unchecked: `process` is only read or replaced with `lock` held; everything else is a `let`.

    /// Settings that change how the server keeps data.
    public struct Options: Sendable {
        /// Keep an append-only file, fsynced on every write (`--appendonly yes --appendfsync
        /// always`), so a restart after SIGKILL keeps every acknowledged write.
        public var appendOnly: Bool
        /// A password the server requires (`requirepass`), if any.
        public var password: String?
        /// A memory limit (`maxmemory`, such as `5mb`) with `maxmemory-policy noeviction`: past
        /// it, Redis refuses writes with `OOM`.
        public var maxMemory: String?
        /// The port of a primary on 127.0.0.1 to replicate (`replicaof`), if any.
        public var replicaOf: Int?
        /// Serve TLS only (`tls-port`, `port 0`) with these certificates; replication uses TLS too.
        public var tls: TLSCertificates?
        /// With ``tls``: require a client certificate signed by the CA (`tls-auth-clients yes`).
        public var tlsAuthClients: Bool

        /// Creates options; the default is an in-memory server over plain TCP with no password and
        /// no memory limit.
        public init(appendOnly: Bool = false, password: String? = nil, maxMemory: String? = nil, replicaOf: Int? = nil, tls: TLSCertificates? = nil, tlsAuthClients: Bool = false) {
            self.appendOnly = appendOnly
            self.password = password
            self.maxMemory = maxMemory
            self.replicaOf = replicaOf
            self.tls = tls
            self.tlsAuthClients = tlsAuthClients
        }
    }

    /// The port it listens on (127.0.0.1).
    public private(set) var port: Int
    /// The directory with its configuration, log and data files.
    public let directory: URL
    /// How it was started.
    public let options: Options
    private var process: ChildProcess?
    private let lock = NSLock()

    /// Starts a server and waits until it answers `PING`. Picks another port if the first one
    /// was taken in the meantime.
    public init(options: Options = Options()) async throws {
        self.options = options
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-redis-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = FreePort.next()
        var attempts = 0
        while true {
            attempts += 1
            do {
                try await launch()
                return
            } catch where attempts < 5 {
                // Most likely someone took the port between FreePort.next() and the bind.
                port = FreePort.next()
            }
        }
    }

    deinit {
        lock.withLock { process }?.signal(SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }

    /// `redis://127.0.0.1:<port>` (with the password, if any); with TLS,
    /// `rediss://localhost:<port>` (the name the test certificate is for).
    public var url: String {
        let (scheme, host) = options.tls == nil ? ("redis", "127.0.0.1") : ("rediss", "localhost")
        return options.password.map { "\(scheme)://:\($0)@\(host):\(port)" } ?? "\(scheme)://\(host):\(port)"
    }

    /// The server's process id.
    public var pid: Int32? { lock.withLock { process?.pid } }

    /// Kills the server with SIGKILL, as a crash would.
    public func kill9() async {
        await lock.withLock { process }?.kill9()
    }

    /// Starts the server again on the same port and directory (after ``kill9()`` or ``stop()``).
    public func restart() async throws {
        await kill9()
        var attempts = 0
        while true {
            attempts += 1
            do {
                try await launch()
                return
            } catch where attempts < 10 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Freezes the server with SIGSTOP: connections stay open but nothing is answered.
    public func pause() {
        lock.withLock { process }?.signal(SIGSTOP)
    }

    /// Lets a frozen server go on (SIGCONT).
    public func resume() {
        lock.withLock { process }?.signal(SIGCONT)
    }

    /// Stops the server by its PID and deletes its files.
    ///
    /// With SIGKILL: a test server holds nothing worth a clean shutdown, and a child started from
    /// a Swift concurrency thread inherits that thread's blocked signal mask, SIGTERM included,
    /// so SIGTERM would only wait out `ChildProcess.stop`'s grace period.
    public func stop() async {
        let process = lock.withLock { self.process }
        await process?.kill9()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `redis-cli -p <port> <arguments>` and returns its output (without the last newline).
    @discardableResult
    public func cli(_ arguments: String...) throws -> String {
        try cli(arguments)
    }

    /// Runs `redis-cli -p <port> <arguments>` and returns its output (without the last newline).
    @discardableResult
    public func cli(_ arguments: [String]) throws -> String {
        try Self.cli(port: port, password: options.password, tls: options.tls, arguments)
    }

    /// Runs `redis-cli` against `127.0.0.1:port` (any Redis or Sentinel on loopback; over TLS with
    /// `tls`, showing its client certificate) and returns its output without the last newline.
    static func cli(port: Int, password: String? = nil, tls: TLSCertificates? = nil, _ arguments: [String]) throws -> String {
        var prefix = ["-h", "127.0.0.1", "-p", String(port)]
        if let password { prefix += ["--no-auth-warning", "-a", password] }
        if let tls { prefix += ["--tls", "--cacert", tls.caFile, "--cert", tls.clientCertificateFile, "--key", tls.clientKeyFile] }
        var text = try ToolRun.run(try executable("redis-cli"), prefix + arguments).output
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    private func launch() async throws {
        let configuration = directory.appendingPathComponent("redis.conf")
        var lines = [
            "port \(port)",
            "bind 127.0.0.1",
            "save \"\"",
            "dir \(directory.path)",
            "appendonly \(options.appendOnly ? "yes" : "no")",
            "appendfsync always",
            "daemonize no",
        ]
        if let tls = options.tls {
            lines[0] = "port 0"
            lines += [
                "tls-port \(port)",
                "tls-cert-file \(tls.serverCertificateFile)",
                "tls-key-file \(tls.serverKeyFile)",
                "tls-ca-cert-file \(tls.caFile)",
                "tls-auth-clients \(options.tlsAuthClients ? "yes" : "no")",
                "tls-replication yes",
            ]
        }
        if let password = options.password { lines.append("requirepass \(password)") }
        if let primary = options.replicaOf { lines.append("replicaof 127.0.0.1 \(primary)") }
        if let maxMemory = options.maxMemory { lines += ["maxmemory \(maxMemory)", "maxmemory-policy noeviction"] }
        try (lines.joined(separator: "\n") + "\n").write(to: configuration, atomically: true, encoding: .utf8)
        let child = try ChildProcess(executable: try Self.executable("redis-server"), arguments: [configuration.path])
        lock.withLock { process = child }
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            guard child.isRunning else {
                throw RedisServerError("redis-server on port \(port) exited: \(child.output.suffix(500))")
            }
            // Ours, not another test's server that took the port first (ours then fails to bind
            // and exits, possibly after this check): the answering process must be our child.
            if FreePort.isListening(port), (try? cli("PING")) == "PONG" {
                guard (try? cli("INFO", "server"))?.contains("process_id:\(child.pid)\r") == true else {
                    await child.stop()
                    throw RedisServerError("port \(port) is taken by another redis-server")
                }
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        await child.stop()
        throw RedisServerError("redis-server on port \(port) did not answer PING within 15 s: \(child.output.suffix(500))")
    }

    static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/sbin", "/usr/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw RedisServerError("\(name) not found in PATH; install it with: apt-get install -y redis-server")
    }
}

/// A test Redis server that could not be started.
public struct RedisServerError: Error, CustomStringConvertible {
    /// What went wrong, with the end of the server's log.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Starts a ``RedisServer``, runs `body`, and stops the server whether `body` throws or not.
public func withRedisServer<R>(
    options: RedisServer.Options = RedisServer.Options(),
    _ body: (RedisServer) async throws -> R
) async throws -> R {
    let server = try await RedisServer(options: options)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
