import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

/// A stream is registered with the Hub before its history is read, queues live events until its
/// `retry:` line and replay are written, then has them written straight to its socket.
@Suite("Replay, then live: the switch")
struct StreamStartTests {
    @Test(
        "events published while the replay is read arrive once, after the replay, in order",
        arguments: [GatedReplayBus.HistoryRead.beforeGate, .afterGate]
    )
    func liveDuringReplay(historyRead: GatedReplayBus.HistoryRead) async throws {
        let bus = GatedReplayBus(InMemoryBus(historyCapacity: 1000), historyRead: historyRead)
        try await TestNode.withNode(bus: bus) { node in
            let seen = try await node.publish("doc", "0")
            try await node.publish("doc", "1")

            async let resumed = node.subscribe(["doc"], lastEventID: seen.description)
            #expect(await eventually { bus.waitingReplays == 1 })
            #expect(node.hub.connectionCount(scope: "doc") == 1)
            // Live now, and (with .afterGate) in the replay as well.
            try await node.publish("doc", "2")
            try await node.publish("doc", "3")
            bus.open()

            let stream = try await resumed
            #expect(await stream.waitFor(count: 3)?.map(\.data) == ["1", "2", "3"])
            try await node.publish("doc", "4")
            _ = await stream.waitFor(count: 4)
            // A fifth would be a duplicate.
            try await Task.sleep(for: .milliseconds(200))
            #expect(stream.data == ["1", "2", "3", "4"])
            stream.close()
        }
    }

    @Test("a stream closed before its replay is written gets the replay, then the close event, then ends")
    func closedWhileStarting() async throws {
        let bus = GatedReplayBus(InMemoryBus(historyCapacity: 1000), historyRead: .afterGate)
        try await TestNode.withNode(bus: bus) { node in
            let seen = try await node.publish("s", "0")
            try await node.publish("s", "1")

            async let resumed = node.subscribe(["s"], lastEventID: seen.description)
            #expect(await eventually { bus.waitingReplays == 1 })
            node.hub.closeAll()
            bus.open()

            let stream = try await resumed
            let events = try #require(await stream.waitFor(count: 2))
            #expect(events.map(\.data) == ["1", #"{"reason":"shutdown","reconnect":true}"#])
            #expect(events[1].type == ControlFrames.closeEventName)
            #expect(await stream.waitForEnd())
        }
    }

    @Test("on the wire: one HTTP chunk per frame, the same bytes as Hummingbird's own chunked writer, and the body's end")
    func wireBytes() async throws {
        try await TestNode.withNode({ $0.retryInterval = .milliseconds(1500) }) { node in
            let raw = try RawStream(port: node.port, path: "/events?scope=w")
            let retry = "retry: 1500\n\n"
            var received = await raw.read(until: chunk(retry))
            #expect(await eventually { node.hub.connectionCount(scope: "w") == 1 })
            let head = String(received[..<(received.range(of: "\r\n\r\n")?.upperBound ?? received.endIndex)])
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(head.lowercased().contains("transfer-encoding: chunked\r\n"))

            let id = try await node.publish("w", "hello\nworld", event: "greet")
            let event = "id: \(id)\nevent: greet\ndata: hello\ndata: world\n\n"
            received = await raw.read(until: chunk(event), received: received)
            node.hub.closeAll()
            let close = "event: close\ndata: {\"reason\":\"shutdown\",\"reconnect\":true}\n\n"
            received = await raw.read(until: "0\r\n\r\n", received: received)
            #expect(received == head + chunk(retry) + chunk(event) + chunk(close) + "0\r\n\r\n")
        }
    }

    private func chunk(_ frame: String) -> String {
        String(frame.utf8.count, radix: 16) + "\r\n" + frame + "\r\n"
    }
}
