import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("Slow clients")
struct SlowClientTests {
    @Test("a client that stops reading is disconnected when its queue overflows, and the others get everything")
    func overflowDisconnects() async throws {
        try await TestNode.withNode({ $0.queueCapacity = 32 }) { node in
            let healthy = try await node.subscribe(["feed"])
            let stalled = try StalledClient(port: node.port, path: "/events?scope=feed")
            #expect(await eventually { node.hub.connectionCount(scope: "feed") == 2 })

            // Far more than socket buffers hold, so the stalled stream's queue must overflow. The
            // publisher waits for the healthy client to keep within 8 events, so only the stalled
            // one can fall behind, however slow this machine is.
            let payload = String(repeating: "x", count: 16 * 1024)
            let count = 800
            for index in 0..<count {
                _ = await healthy.waitFor(count: index - 8, timeout: .seconds(30))
                try await node.publish("feed", "\(index) \(payload)")
            }
            #expect(await eventually { node.hub.connectionCount(scope: "feed") == 1 }, "connections: \(node.hub.connectionCount(scope: "feed")), healthy got \(healthy.events.count), finished \(healthy.isFinished)")
            #expect(await eventually { stalled.isClosedByServer })
            let events = try #require(await healthy.waitFor(count: count, timeout: .seconds(30)))
            #expect(events.map { $0.data.prefix { $0 != " " } } == (0..<count).map { Substring("\($0)") })
            healthy.close()
        }
    }
}
