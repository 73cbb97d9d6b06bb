import ChorusClient
import ChorusCore
import ChorusTesting
import NIOCore
import Testing
@testable import ChorusServer

/// A shared stream (`shared=1`): the one connection a leader tab holds for all the tabs of its
/// browser. It carries each event's origin and scope as extra SSE fields (live and replayed), gets
/// the echo a tab's own stream would not, and shows one presence entry per tab.
@Suite("Shared streams for the tabs of one browser")
struct SharedStreamTests {
    /// The text of `stream` up to the end of the event whose data is `data`.
    private static func read(_ stream: RawStream, through data: String, after received: String = "") async -> String {
        await stream.read(until: "data: \(data)\n\n\r\n", received: received)
    }

    /// Waits (bounded) until `condition` holds.
    private static func eventually(_ condition: () async throws -> Bool) async rethrows -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// The key of a shared stream, from its first event.
    private static func key(in text: String) -> String? {
        guard let start = text.range(of: #""stream":""#) else { return nil }
        return String(text[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test("origin and scope fields on the shared stream only, where the echo is not suppressed")
    func fieldsAndEcho() async throws {
        try await TestNode.withNode { node in
            let plain = try RawStream(port: node.port, path: "/events?scope=doc&session=tab-a")
            let shared = try RawStream(port: node.port, path: "/events?scope=doc&shared=1&tabs=tab-a&tabs=tab-b")
            let greeting = await shared.read(until: "}\n\n\r\n")
            #expect(greeting.contains("event: chorus-stream\n"), "\(greeting)")
            #expect(await Self.eventually { node.hub.connectionCount == 2 })

            let own = try await node.publish("doc", "from tab a", origin: "tab-a")
            let other = try await node.publish("doc", "from elsewhere")
            let sharedText = await Self.read(shared, through: "from elsewhere", after: greeting)
            #expect(sharedText.contains("chorus-origin: tab-a\nchorus-scope: doc\nid: \(own)\ndata: from tab a\n\n"), "\(sharedText)")
            #expect(sharedText.contains("chorus-scope: doc\nid: \(other)\ndata: from elsewhere\n\n"), "\(sharedText)")

            let plainText = await Self.read(plain, through: "from elsewhere")
            #expect(!plainText.contains("from tab a"), "a tab's own stream got its echo: \(plainText)")
            #expect(!plainText.contains("chorus-"), "a normal stream got the shared fields: \(plainText)")
            #expect(plainText.contains("id: \(other)\ndata: from elsewhere\n\n"))
        }
    }

    @Test("a scope and session that need escaping are percent-encoded, one line each")
    func escapedValues() async throws {
        try await TestNode.withNode { node in
            let shared = try RawStream(port: node.port, path: "/events?scope=room%3A%C3%A9%20x&shared=1")
            let greeting = await shared.read(until: "}\n\n\r\n")
            #expect(await Self.eventually { node.hub.connectionCount == 1 })
            try await node.publish("room:é x", "hello", origin: "tab\nid: 9-9")
            let text = await Self.read(shared, through: "hello", after: greeting)
            #expect(text.contains("chorus-origin: tab%0Aid%3A%209-9\nchorus-scope: room%3A%C3%A9%20x\n"), "\(text)")
        }
    }

    @Test("a rendered change (several events under one id) carries the fields on each event")
    func renderedChange() async throws {
        let renderer = ChangeRenderer(sharing: { _ in .shared }, render: { change, _ in
            change.paths.map { ServerSentEvent(event: $0, data: "<p id=\"\($0)\">new \($0)</p>") }
        })
        try await TestNode.withNode(renderer: renderer) { node in
            let shared = try RawStream(port: node.port, path: "/events?scope=doc&shared=1&tabs=tab-a")
            let greeting = await shared.read(until: "}\n\n\r\n")
            #expect(await Self.eventually { node.hub.connectionCount == 1 })
            let ids = try await node.client.publish([Envelope(scope: "doc", data: "", paths: ["title", "body"], origin: "tab-a")])
            let text = await shared.read(until: "new body</p>\n\n\r\n", received: greeting)
            for path in ["title", "body"] {
                #expect(text.contains("chorus-origin: tab-a\nchorus-scope: doc\nid: \(ids[0])\nevent: \(path)\n"), "\(text)")
            }
        }
    }

    @Test("decorating puts the fields before every event of a frame, and nowhere else")
    func decorateEachEvent() {
        let frame = ByteBuffer(string: "id: 1-0\nevent: a\ndata: x\ndata: y\n\nid: 1-0\nevent: b\ndata: \n\n")
        let decorated = SharedFields.decorate(frame, origin: "t 1", scope: "s")
        #expect(String(buffer: decorated) == "chorus-origin: t%201\nchorus-scope: s\nid: 1-0\nevent: a\ndata: x\ndata: y\n\n"
            + "chorus-origin: t%201\nchorus-scope: s\nid: 1-0\nevent: b\ndata: \n\n")
        var parser = SSEParser()
        let parsed = parser.feed(decorated.readableBytesView)
        #expect(parsed.map(\.type) == ["a", "b"])
        #expect(parsed.map(\.data) == ["x\ny", ""])
    }

    @Test("a replay to a shared stream carries the same fields")
    func replayCarriesFields() async throws {
        try await TestNode.withNode { node in
            let position = try #require(try await node.node.bus.position())
            let own = try await node.publish("doc", "missed, from tab a", origin: "tab-a")
            let other = try await node.publish("doc", "missed")
            let shared = try RawStream(port: node.port, path: "/events?scope=doc&shared=1&tabs=tab-a&lastEventId=\(position)")
            let text = await Self.read(shared, through: "missed")
            #expect(text.contains("chorus-origin: tab-a\nchorus-scope: doc\nid: \(own)\ndata: missed, from tab a\n\n"), "\(text)")
            #expect(text.contains("chorus-scope: doc\nid: \(other)\ndata: missed\n\n"), "\(text)")
        }
    }

    @Test("presence shows each tab, follows the leader's tab list, and empties when the stream ends")
    func presencePerTab() async throws {
        try await TestNode.withNode { node in
            let watcher = try await node.subscribe(["doc"], session: "watcher", presence: true)
            #expect(await Self.eventually { node.hub.connectionCount == 1 })
            var shared: RawStream? = try RawStream(port: node.port, path: "/events?scope=doc&shared=1&tabs=tab-a&tabs=tab-b")
            let greeting = await shared?.read(until: "}\n\n\r\n") ?? ""
            let key = try #require(Self.key(in: greeting))
            func sessions() async throws -> Set<String> {
                Set(try await node.node.bus.presence(in: "doc").compactMap(\.sessionID))
            }
            #expect(try await Self.eventually { try await sessions() == ["watcher", "tab-a", "tab-b"] })
            #expect(node.hub.connectionCount == 2)

            let moved = try await node.client.send(.POST, "/events/tabs", headers: [("Content-Type", "application/json")],
                                                   body: Array(#"{"stream":"\#(key)","tabs":["tab-a","tab-c"]}"#.utf8))
            #expect(moved.status == 204)
            #expect(try await sessions() == ["watcher", "tab-a", "tab-c"])
            #expect(await Self.eventually {
                let names = watcher.events.filter { $0.type == "join" || $0.type == "leave" }.map { "\($0.type) \($0.data.contains("tab-a") ? "a" : $0.data.contains("tab-b") ? "b" : $0.data.contains("tab-c") ? "c" : "?")" }
                return names == ["join a", "join b", "leave b", "join c"] || names == ["join b", "join a", "leave b", "join c"]
            }, "\(watcher.events.map { "\($0.type) \($0.data)" })")

            let unknown = try await node.client.send(.POST, "/events/tabs", headers: [("Content-Type", "application/json")],
                                                     body: Array(#"{"stream":"not-a-key","tabs":["x"]}"#.utf8))
            #expect(unknown.status == 404)
            #expect(unknown.text.contains("\"code\":\"unknown-stream\""))
            let bad = try await node.client.send(.POST, "/events/tabs", headers: [("Content-Type", "application/json")],
                                                 body: Array(#"{"stream":"\#(key)","tabs":[""]}"#.utf8))
            #expect(bad.status == 400)
            #expect(try await sessions() == ["watcher", "tab-a", "tab-c"])

            withExtendedLifetime(shared) {}
            shared = nil  // the leader tab closes: its connection ends
            #expect(try await Self.eventually { try await sessions() == ["watcher"] })
            #expect(await Self.eventually { watcher.events.filter { $0.type == "leave" }.count == 3 })
        }
    }
}
