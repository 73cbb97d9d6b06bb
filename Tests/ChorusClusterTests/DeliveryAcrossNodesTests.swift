import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// Redis + 3 `chorus` processes: what a web app behind a load balancer relies on.
@Suite("Delivery across a 3-node cluster", .serialized)
struct DeliveryAcrossNodesTests {
    @Test("a publish on any node reaches every matching subscriber on every node exactly once, in publish order")
    func fanOutAcrossNodes() async throws {
        try await withLocalCluster { cluster in
            var doc: [EventCollector] = []
            var other: [EventCollector] = []
            for node in cluster.nodes {
                doc.append(try await node.subscribe(["doc"]))
                doc.append(try await node.subscribe(["doc", "side"]))
                other.append(try await node.subscribe(["other"]))
            }
            var ids: [String] = []
            for index in 0..<30 {
                let node = cluster.nodes[index % cluster.nodes.count]
                ids.append(contentsOf: try await node.client.publish([Envelope(scope: "doc", data: "\(index)")]).map(\.description))
            }
            let expected = (0..<30).map(String.init)
            for subscriber in doc {
                let events = try #require(await subscriber.waitFor(count: 30))
                #expect(events.map(\.data) == expected)
                #expect(events.map(\.lastEventID) == ids)
            }
            // A marker proves the other scope's silence is not lateness.
            _ = try await cluster.nodes[0].client.publish([Envelope(scope: "other", data: "marker")])
            for subscriber in other {
                _ = await subscriber.waitFor(count: 1)
                #expect(subscriber.data == ["marker"])
            }
            #expect(doc.allSatisfy { $0.events.count == 30 })
            (doc + other).forEach { $0.close() }
        }
    }

    @Test("origin is honoured across nodes; audience-restricted events never reach anonymous subscribers")
    func originAndAudienceAcrossNodes() async throws {
        try await withLocalCluster { cluster in
            let actingTab = try await cluster.nodes[0].subscribe(["doc"], session: "tab-1")
            let otherTab = try await cluster.nodes[1].subscribe(["doc"], session: "tab-2")
            let anonymous = try await cluster.nodes[2].subscribe(["doc"])
            let publisher = cluster.nodes[2].client
            _ = try await publisher.publish([Envelope(scope: "doc", data: "edit", origin: "tab-1")])
            _ = try await publisher.publish([Envelope(scope: "doc", data: "private", audience: ["alice"])])
            _ = try await publisher.publish([Envelope(scope: "doc", data: "marker")])
            #expect(await otherTab.waitFor(count: 2)?.map(\.data) == ["edit", "marker"])
            #expect(await actingTab.waitFor(count: 1)?.map(\.data) == ["marker"])
            #expect(await anonymous.waitFor(count: 2)?.map(\.data) == ["edit", "marker"])
            #expect(actingTab.events.count == 1 && otherTab.events.count == 2 && anonymous.events.count == 2)
            [actingTab, otherTab, anonymous].forEach { $0.close() }
        }
    }

    @Test("a client that reconnects to a different node with Last-Event-ID gets exactly what it missed, then live events")
    func reconnectToAnotherNode() async throws {
        try await withLocalCluster { cluster in
            let first = try await cluster.nodes[0].subscribe(["doc"], session: "tab-1")
            _ = try await cluster.nodes[0].client.publish([Envelope(scope: "doc", data: "1")])
            let seen = try #require(await first.waitFor(count: 1))
            first.close()

            let publisher = cluster.nodes[1].client
            _ = try await publisher.publish([Envelope(scope: "doc", data: "2")])
            _ = try await publisher.publish([Envelope(scope: "doc", data: "own edit", origin: "tab-1")])
            _ = try await publisher.publish([Envelope(scope: "elsewhere", data: "x")])
            _ = try await publisher.publish([Envelope(scope: "doc", data: "3")])

            let back = try await cluster.nodes[2].subscribe(["doc"], session: "tab-1", lastEventID: seen[0].lastEventID)
            _ = try await cluster.nodes[0].client.publish([Envelope(scope: "doc", data: "4")])
            let events = try #require(await back.waitFor(count: 3))
            #expect(events.map(\.data) == ["2", "3", "4"])
            _ = try await cluster.nodes[1].client.publish([Envelope(scope: "doc", data: "5")])
            _ = await back.waitFor(count: 4)
            #expect(back.data == ["2", "3", "4", "5"])
            back.close()
        }
    }

    @Test("missed events older than the cluster's history give a reset event on any node")
    func resetAcrossNodes() async throws {
        try await withLocalCluster(nodes: 2, arguments: ["--history", "5"]) { cluster in
            let old = try await cluster.nodes[0].client.publish([Envelope(scope: "doc", data: "old")])[0]
            for index in 0..<300 {
                _ = try await cluster.nodes[index % 2].client.publish([Envelope(scope: "doc", data: "\(index)")])
            }
            let back = try await cluster.nodes[1].subscribe(["doc"], lastEventID: old.description)
            let events = try #require(await back.waitFor(count: 1))
            #expect(events[0].type == "reset")
            back.close()
        }
    }

    @Test("garbage published straight onto the Redis channel breaks no node")
    func garbageOnTheChannel() async throws {
        try await withLocalCluster { cluster in
            let subscribers = try await cluster.nodes.asyncMap { try await $0.subscribe(["doc"]) }
            for junk in ["hello", "e 1-0 {not json", "e not-an-id {}", "c {\"v\":9}", "", "\u{1}\u{2}binary"] {
                _ = try cluster.redis.cli("PUBLISH", cluster.channel, junk)
            }
            _ = try await cluster.nodes[1].client.publish([Envelope(scope: "doc", data: "still fine")])
            for subscriber in subscribers {
                #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["still fine"])
            }
            for node in cluster.nodes {
                #expect(node.process.isRunning)
                #expect(try await node.client.send(.GET, "/readyz").status == 200)
            }
            subscribers.forEach { $0.close() }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
