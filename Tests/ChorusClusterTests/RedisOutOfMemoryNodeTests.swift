import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// A node whose Redis is full (`maxmemory` with `noeviction`): publishes get `503 unavailable` with
/// `Retry-After` (nothing was published), `/readyz` is 503, and both recover by themselves.
@Suite("A node on a Redis out of memory", .serialized)
struct RedisOutOfMemoryNodeTests {
    func publish(_ node: NodeProcess, _ data: String) async throws -> HTTPResult {
        try await node.client.send(.POST, "/publish", headers: [("Content-Type", "application/json")], body: Array(#"{"scope":"doc","data":"\#(data)"}"#.utf8))
    }

    @Test func outOfMemoryIsUnavailableAndNotReadyUntilMemoryIsFree() async throws {
        try await withLocalCluster(nodes: 1, redis: .init(maxMemory: "5mb")) { cluster in
            let node = cluster.nodes[0]
            let subscriber = try await node.subscribe(["doc"])
            #expect(try await publish(node, "before").status == 202)

            let filled = try cluster.redis.cli("EVAL", "redis.call('SET', KEYS[1], string.rep('x', 6000000)) return 'filled'", "1", "filler")
            try #require(filled == "filled", "\(filled)")
            let refused = try await publish(node, "refused")
            #expect(refused.status == 503, "\(refused.status) \(refused.text)")
            #expect(refused.text.contains(#""code":"unavailable""#))
            #expect(refused.text.contains("nothing was published"))
            #expect(refused.text.contains("out of memory"))
            #expect(refused.headers["Retry-After"].first != nil)
            #expect(try await node.client.send(.GET, "/readyz").status == 503)
            #expect(try await node.client.send(.GET, "/healthz").status == 200)

            try cluster.redis.cli("DEL", "filler")
            #expect(await eventually(timeout: .seconds(20)) { (try? await node.client.send(.GET, "/readyz").status) == 200 })
            #expect(try await publish(node, "after").status == 202)
            _ = await subscriber.waitFor(count: 2, timeout: .seconds(20))
            #expect(subscriber.data == ["before", "after"])
            subscriber.close()
        }
    }
}
