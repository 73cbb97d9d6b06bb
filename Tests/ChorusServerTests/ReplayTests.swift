import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("Last-Event-ID replay over real HTTP")
struct ReplayTests {
    @Test("a client that comes back with Last-Event-ID gets exactly what it missed, in order, then live events")
    func replayThenLive() async throws {
        try await TestNode.withNode { node in
            let first = try await node.subscribe(["doc"])
            try await node.publish("doc", "1")
            let seen = try #require(await first.waitFor(count: 1))
            first.close()

            try await node.publish("doc", "2")
            try await node.publish("other", "not for doc")
            try await node.publish("doc", "3")

            let again = try await node.subscribe(["doc"], lastEventID: seen[0].lastEventID)
            try await node.publish("doc", "4")
            let events = try #require(await again.waitFor(count: 3))
            #expect(events.map(\.data) == ["2", "3", "4"])
            // Nothing more: no duplicate of a replayed event after it went live.
            try await node.publish("doc", "5")
            _ = await again.waitFor(count: 4)
            #expect(again.data == ["2", "3", "4", "5"])
            again.close()
        }
    }

    @Test("the lastEventId query parameter works like the header")
    func queryParameter() async throws {
        try await TestNode.withNode { node in
            let a = try await node.publish("s", "a")
            try await node.publish("s", "b")
            let stream = try await node.client.stream(path: "/events?scope=s&lastEventId=\(a)")
            let collector = EventCollector(stream)
            #expect(await collector.waitFor(count: 1)?.map(\.data) == ["b"])
            collector.close()
        }
    }

    @Test("replay applies the delivery rule: the client's own edits are not replayed to it")
    func replayIsFiltered() async throws {
        try await TestNode.withNode { node in
            let start = try await node.publish("doc", "start")
            try await node.publish("doc", "mine", origin: "tab-1")
            try await node.publish("doc", "theirs", origin: "tab-2")
            let back = try await node.subscribe(["doc"], session: "tab-1", lastEventID: start.description)
            #expect(await back.waitFor(count: 1)?.map(\.data) == ["theirs"])
            try await node.publish("doc", "live")
            _ = await back.waitFor(count: 2)
            #expect(back.data == ["theirs", "live"])
            back.close()
        }
    }

    @Test("missed events older than the history give an explicit reset event, not a silent gap")
    func resetWhenHistoryIsTooShort() async throws {
        try await TestNode.withNode(bus: InMemoryBus(historyCapacity: 3)) { node in
            let old = try await node.publish("doc", "0")
            for index in 1...5 { try await node.publish("doc", "\(index)") }
            let back = try await node.subscribe(["doc"], lastEventID: old.description)
            let events = try #require(await back.waitFor(count: 1))
            #expect(events[0].type == ControlFrames.resetEventName)
            // After the reset the stream is live, and its id moved on so a reconnect does not reset again.
            try await node.publish("doc", "live")
            let all = try #require(await back.waitFor(count: 2))
            #expect(all[1].data == "live")
            #expect(all[0].lastEventID != old.description)
            back.close()
        }
    }
}
