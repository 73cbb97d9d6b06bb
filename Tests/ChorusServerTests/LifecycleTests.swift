import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("Node lifecycle")
struct LifecycleTests {
    @Test("graceful shutdown sends a close event telling clients to reconnect, and the node stops")
    func shutdownSendsClose() async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["s"])
            try await node.publish("s", "before")
            _ = await subscriber.waitFor(count: 1)
            try await node.shutdown()
            let events = try #require(await subscriber.waitFor(count: 2))
            #expect(events[1].type == ControlFrames.closeEventName)
            #expect(events[1].data == #"{"reason":"shutdown","reconnect":true}"#)
            #expect(await subscriber.waitForEnd())
        }
    }

    @Test("healthz and readyz answer")
    func health() async throws {
        try await TestNode.withNode { node in
            #expect(try await node.client.send(.GET, "/healthz").status == 200)
            #expect(try await node.client.send(.GET, "/readyz").status == 200)
            let page = try await node.client.send(.GET, "/")
            #expect(page.status == 200)
            #expect(page.text.contains("EventSource"))
        }
    }
}
