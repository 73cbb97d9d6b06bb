import ChorusCore
import ChorusRedis
import ChorusTesting
import Logging
import Synchronization

/// The buses the contract runs against.
enum BusKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case inMemory
    case redis
    /// Redis over TLS only (`rediss://`, no plain port), through the TLS relay.
    case redisTLS

    var description: String { rawValue }
}

/// Quiet logs: warnings and worse (the fault tests log their reconnections).
let testLogger: Logger = {
    var logger = Logger(label: "chorus.redis.test")
    logger.logLevel = .warning
    return logger
}()

/// A configuration for `server` with short intervals, so faults are noticed quickly, and a key
/// prefix of its own unless given.
func testConfiguration(
    _ server: RedisServer,
    prefix: String = "test-\(UInt32.random(in: 0 ... .max))",
    historyCapacity: Int = 1000
) throws -> RedisConfiguration {
    RedisConfiguration(
        url: try RedisURL(server.url),
        keyPrefix: prefix,
        historyCapacity: historyCapacity,
        connectTimeout: .seconds(1),
        commandTimeout: .seconds(1),
        probeInterval: .milliseconds(100),
        probeTimeout: .milliseconds(800),
        initialBackoff: .milliseconds(20),
        maximumBackoff: .milliseconds(300),
        tls: RedisTLS(caFile: server.options.tls?.caFile)
    )
}

/// Runs `body` with `nodes` buses of `kind` sharing one backend (for Redis, one fresh server and
/// one key prefix; in memory there is only ever one node).
func withBuses<R>(
    _ kind: BusKind,
    nodes: Int = 1,
    historyCapacity: Int = 1000,
    idempotencyWindow: Duration = .seconds(300),
    _ body: ([any Bus]) async throws -> R
) async throws -> R {
    switch kind {
    case .inMemory:
        return try await body([InMemoryBus(historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)])
    case .redis, .redisTLS:
        let options = kind == .redisTLS ? RedisServer.Options(tls: try TLSCertificates()) : RedisServer.Options()
        return try await withRedisServer(options: options) { server in
            var configuration = try testConfiguration(server, historyCapacity: historyCapacity)
            configuration.idempotencyWindow = idempotencyWindow
            let buses: [any Bus] = (0..<nodes).map { _ in RedisBus(configuration: configuration, logger: testLogger) }
            return try await body(buses)
        }
    }
}

/// Publishes in a loop in the background, one envelope at a time, recording what was
/// acknowledged and what failed, until stopped (or `limit` attempts, to stay bounded).
final class PublishLoop: Sendable {
    private final class Log: Sendable {
        struct State {
            var acknowledged: [EventID] = []
            var failures: [BusError] = []
            var stopped = false
        }

        let state = Mutex(State())
    }

    private let log = Log()
    private let task: Task<Void, Never>

    init(_ bus: any Bus, limit: Int = 50_000) {
        task = Task { [log] in
            for number in 0..<limit {
                if log.state.withLock({ $0.stopped }) { return }
                do throws(BusError) {
                    let ids = try await bus.publish([BusContract.sample(number, tag: "loop")])
                    log.state.withLock { $0.acknowledged += ids }
                } catch {
                    log.state.withLock { $0.failures.append(error) }
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    var acknowledged: [EventID] { log.state.withLock { $0.acknowledged } }
    var failures: [BusError] { log.state.withLock { $0.failures } }

    /// Stops publishing and waits for the publish in flight.
    func stop() async {
        log.state.withLock { $0.stopped = true }
        await task.value
    }
}

/// The ids of the pub/sub clients connected to `server`.
func pubsubClientIDs(_ server: RedisServer) throws -> Set<String> {
    let list = try server.cli("CLIENT", "LIST", "TYPE", "pubsub")
    return Set(list.split(separator: "\n").compactMap { line in
        line.split(separator: " ").first { $0.hasPrefix("id=") }.map(String.init)
    })
}
