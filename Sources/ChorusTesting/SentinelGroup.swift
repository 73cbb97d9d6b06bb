import Foundation

/// A primary, one replica and three Sentinels (`redis-server --sentinel`) on free loopback ports,
/// watching the primary as ``primaryName``, with a short `down-after-milliseconds` so a failover
/// takes a few seconds. Everything it starts it stops, by PID.
public final class SentinelGroup: Sendable {
    /// The name the Sentinels know the primary by.
    public let primaryName = "mymaster"
    /// The first primary.
    public let primary: RedisServer
    /// Its replica.
    public let replica: RedisServer
    /// The Sentinels' ports.
    public let sentinelPorts: [Int]
    /// The password the Sentinels require (`requirepass` in their configuration), if any.
    public let sentinelPassword: String?
    /// The certificates when everything (servers, replication, Sentinels) speaks only TLS.
    public let tls: TLSCertificates?
    private let sentinels: [ChildProcess]
    private let directory: URL

    private init(primary: RedisServer, replica: RedisServer, sentinelPorts: [Int], sentinels: [ChildProcess], directory: URL, sentinelPassword: String?, tls: TLSCertificates?) {
        self.primary = primary
        self.replica = replica
        self.sentinelPorts = sentinelPorts
        self.sentinels = sentinels
        self.directory = directory
        self.sentinelPassword = sentinelPassword
        self.tls = tls
    }

    /// Starts everything and waits until the replica is in sync and every Sentinel knows the
    /// primary and its replica. With `sentinelPassword` the Sentinels require `AUTH`; with `tls`
    /// the servers and the Sentinels listen only for TLS (the Sentinels want client certificates).
    public static func start(sentinelPassword: String? = nil, tls: TLSCertificates? = nil) async throws -> SentinelGroup {
        let primary = try await RedisServer(options: .init(appendOnly: true, tls: tls))
        let replica = try await RedisServer(options: .init(appendOnly: true, replicaOf: primary.port, tls: tls))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-sentinel-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var sentinels: [ChildProcess] = []
        var ports: [Int] = []
        let group = { SentinelGroup(primary: primary, replica: replica, sentinelPorts: ports, sentinels: sentinels, directory: directory, sentinelPassword: sentinelPassword, tls: tls) }
        do {
            for index in 0..<3 {
                let port = FreePort.next()
                let file = directory.appendingPathComponent("sentinel-\(index).conf")
                var extra: [String] = []
                if let sentinelPassword { extra += ["requirepass \(sentinelPassword)", "sentinel sentinel-pass \(sentinelPassword)"] }
                if let tls {
                    extra += [
                        "port 0", "tls-port \(port)", "tls-replication yes", "tls-auth-clients yes",
                        "tls-cert-file \(tls.serverCertificateFile)", "tls-key-file \(tls.serverKeyFile)", "tls-ca-cert-file \(tls.caFile)",
                    ]
                }
                try """
                    port \(port)
                    bind 127.0.0.1
                    daemonize no
                    dir \(directory.path)
                    sentinel monitor mymaster 127.0.0.1 \(primary.port) 2
                    sentinel down-after-milliseconds mymaster 1000
                    sentinel failover-timeout mymaster 4000
                    sentinel parallel-syncs mymaster 1
                    \(extra.joined(separator: "\n"))

                    """.write(to: file, atomically: true, encoding: .utf8)
                sentinels.append(try ChildProcess(executable: try RedisServer.executable("redis-server"), arguments: [file.path, "--sentinel"]))
                ports.append(port)
            }
            let watching = ports
            let ready = await eventually(timeout: .seconds(30), poll: .milliseconds(100)) {
                guard (try? primary.cli("INFO", "replication"))?.contains("connected_slaves:1") == true else { return false }
                return watching.allSatisfy { port in
                    guard let replicas = try? cli(port, password: sentinelPassword, tls: tls, "SENTINEL", "replicas", "mymaster") else { return false }
                    return replicas.contains("\(replica.port)")
                }
            }
            guard ready else { throw RedisServerError("the sentinels did not see the primary and its replica within 30 s") }
            return group()
        } catch {
            await group().stop()
            throw error
        }
    }

    /// `redis+sentinel://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>/mymaster`; with TLS
    /// `rediss+sentinel://localhost:<p1>,…`, and `?sentinel_password=…` when the Sentinels want one.
    public var url: String {
        let (scheme, host) = tls == nil ? ("redis+sentinel", "127.0.0.1") : ("rediss+sentinel", "localhost")
        let query = sentinelPassword.map { "?sentinel_password=\($0)" } ?? ""
        return "\(scheme)://" + sentinelPorts.map { "\(host):\($0)" }.joined(separator: ",") + "/\(primaryName)" + query
    }

    /// The primary's port as the first Sentinel reports it.
    public func currentPrimaryPort() -> Int? {
        guard let reply = try? sentinelCLI("SENTINEL", "get-master-addr-by-name", primaryName) else { return nil }
        return reply.split(separator: "\n").last.flatMap { Int($0) }
    }

    /// Runs `redis-cli` against the first Sentinel (with its password and TLS, if any), such as
    /// `SENTINEL FAILOVER mymaster`, and returns its output.
    @discardableResult
    public func sentinelCLI(_ arguments: String...) throws -> String {
        try Self.cli(sentinelPorts[0], password: sentinelPassword, tls: tls, arguments)
    }

    /// Stops the Sentinels and both servers, by PID.
    public func stop() async {
        for sentinel in sentinels { await sentinel.kill9() }
        await replica.stop()
        await primary.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    static func cli(_ port: Int, password: String? = nil, tls: TLSCertificates? = nil, _ arguments: String...) throws -> String {
        try cli(port, password: password, tls: tls, arguments)
    }

    static func cli(_ port: Int, password: String? = nil, tls: TLSCertificates? = nil, _ arguments: [String]) throws -> String {
        try RedisServer.cli(port: port, password: password, tls: tls, arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Starts a ``SentinelGroup``, runs `body`, and stops the group whether `body` throws or not.
public func withSentinelGroup<R>(sentinelPassword: String? = nil, tls: TLSCertificates? = nil, _ body: (SentinelGroup) async throws -> R) async throws -> R {
    let group = try await SentinelGroup.start(sentinelPassword: sentinelPassword, tls: tls)
    do {
        let result = try await body(group)
        await group.stop()
        return result
    } catch {
        await group.stop()
        throw error
    }
}
