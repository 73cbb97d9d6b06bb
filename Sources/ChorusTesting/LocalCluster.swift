/// A real cluster for tests: one `redis-server` and several `chorus serve --redis …` processes on
/// free loopback ports. Everything it starts it stops, by PID.
public final class LocalCluster: Sendable {
    /// The shared Redis.
    public let redis: RedisServer
    /// The nodes, in start order.
    public let nodes: [NodeProcess]
    /// The key prefix every node uses.
    public let prefix: String
    /// The publisher key every node accepts (``NodeProcess/client`` sends it).
    public static let publisherKey = "cluster-test-publisher-key-1"
    /// The secret every node verifies subscriber tokens with.
    public static let tokenSecret = "cluster-test-token-secret-of-enough-length"

    private init(redis: RedisServer, nodes: [NodeProcess], prefix: String) {
        self.redis = redis
        self.nodes = nodes
        self.prefix = prefix
    }

    /// Starts Redis and `count` nodes; `arguments` are added to every node's `serve` command, after
    /// the shared ``publisherKey`` and ``tokenSecret``.
    public static func start(
        nodes count: Int = 3,
        redis options: RedisServer.Options = .init(),
        arguments: [String] = []
    ) async throws -> LocalCluster {
        let redis = try await RedisServer(options: options)
        let prefix = "test"
        var nodes: [NodeProcess] = []
        do {
            for index in 0..<count {
                nodes.append(try await NodeProcess.start(
                    ["--redis", redis.url, "--redis-prefix", prefix, "--token-secret", tokenSecret] + arguments,
                    nodeID: "node\(index + 1)",
                    publisherKey: publisherKey
                ))
            }
        } catch {
            for node in nodes { await node.stop() }
            await redis.stop()
            throw error
        }
        return LocalCluster(redis: redis, nodes: nodes, prefix: prefix)
    }

    /// The Redis channel the nodes share.
    public var channel: String { "\(prefix):events" }

    /// Stops every node (gracefully) and Redis.
    public func stop() async {
        for node in nodes { await node.stop() }
        await redis.stop()
    }
}

/// Runs `body` with a started cluster and stops the cluster afterwards, even when `body` throws.
public func withLocalCluster<R>(
    nodes: Int = 3,
    redis options: RedisServer.Options = .init(),
    arguments: [String] = [],
    _ body: (LocalCluster) async throws -> R
) async throws -> R {
    let cluster = try await LocalCluster.start(nodes: nodes, redis: options, arguments: arguments)
    do {
        let result = try await body(cluster)
        await cluster.stop()
        return result
    } catch {
        await cluster.stop()
        throw error
    }
}
