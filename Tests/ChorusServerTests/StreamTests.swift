import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("GET /events over real HTTP")
struct StreamTests {
    @Test("a subscriber receives a publish, after a retry line, with SSE headers")
    func receivesPublish() async throws {
        try await TestNode.withNode({ $0.retryInterval = .milliseconds(1500) }) { node in
            let subscriber = try await node.subscribe(["doc:1"])
            #expect(subscriber.stream.status == 200)
            #expect(subscriber.stream.headers["Content-Type"].first?.hasPrefix("text/event-stream") == true)
            #expect(subscriber.stream.headers["Cache-Control"].first == "no-cache")
            #expect(subscriber.stream.headers["X-Accel-Buffering"].first == "no")

            let id = try await node.publish("doc:1", "line one\nline two", event: "update")
            let events = try #require(await subscriber.waitFor(count: 1))
            #expect(events[0].type == "update")
            #expect(events[0].data == "line one\nline two")
            #expect(events[0].lastEventID == id.description)
            #expect(subscriber.stream.retry == 1500)
            subscriber.close()
        }
    }

    @Test("one connection with two scopes gets both, and not a third")
    func twoScopes() async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["a", "b"])
            try await node.publish("a", "to a")
            try await node.publish("c", "to c")
            try await node.publish("b", "to b")
            let events = try #require(await subscriber.waitFor(count: 2))
            #expect(events.map(\.data) == ["to a", "to b"])
            // A later event proves "to c" is not just late.
            try await node.publish("a", "after")
            _ = await subscriber.waitFor(count: 3)
            #expect(subscriber.data == ["to a", "to b", "after"])
            subscriber.close()
        }
    }

    @Test("the tab that caused an event does not get it back; other tabs do")
    func originSuppression() async throws {
        try await TestNode.withNode { node in
            let acting = try await node.subscribe(["doc"], session: "tab-1")
            let other = try await node.subscribe(["doc"], session: "tab-2")
            try await node.publish("doc", "edit", origin: "tab-1")
            try await node.publish("doc", "marker")
            #expect(await other.waitFor(count: 2)?.map(\.data) == ["edit", "marker"])
            #expect(await acting.waitFor(count: 1)?.map(\.data) == ["marker"])
            acting.close()
            other.close()
        }
    }

    @Test("an idle stream gets heartbeat comments")
    func heartbeat() async throws {
        try await TestNode.withNode({ $0.heartbeatInterval = .milliseconds(100) }) { node in
            let subscriber = try await node.subscribe(["quiet"])
            #expect(await eventually { subscriber.stream.comments >= 2 })
            #expect(subscriber.events.isEmpty)
            subscriber.close()
        }
    }

    @Test("a client that disconnects is removed from the Hub at once")
    func disconnectFreesSubscription() async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["room"])
            #expect(node.hub.connectionCount(scope: "room") == 1)
            subscriber.close()
            #expect(await eventually { node.hub.connectionCount == 0 })
            #expect(node.hub.connectionCount(scope: "room") == 0)
        }
    }

    @Test("requests without a scope, or with a bad Last-Event-ID, get 400 with a JSON reason")
    func badStreamRequests() async throws {
        try await TestNode.withNode { node in
            let noScope = try await node.client.send(.GET, "/events")
            #expect(noScope.status == 400)
            #expect(noScope.text.contains("missing-scope"))
            let badID = try await node.client.send(.GET, "/events?scope=a", headers: [("Last-Event-ID", "yesterday")])
            #expect(badID.status == 400)
            #expect(badID.text.contains("invalid-last-event-id"))
            #expect(node.hub.connectionCount == 0)
        }
    }

    @Test("at the connection cap a node answers 503 and health stays reachable")
    func connectionCap() async throws {
        try await TestNode.withNode({ $0.maximumConnections = 2 }) { node in
            let first = try await node.subscribe(["x"])
            let second = try await node.subscribe(["x"])
            let third = try await node.client.send(.GET, "/events?scope=x")
            #expect(third.status == 503)
            #expect(third.headers["Retry-After"].first != nil)
            let health = try await node.client.send(.GET, "/healthz")
            #expect(health.status == 200)
            first.close()
            second.close()
        }
    }
}
