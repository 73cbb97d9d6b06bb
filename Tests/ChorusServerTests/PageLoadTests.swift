import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

/// The page-load gap: a page rendered at T0 opens its stream at T1 with no event seen yet. With
/// the position read at render time in `lastEventId=`, what was published in between arrives.
@Suite("A page resumes from the position it was rendered with")
struct PageLoadTests {
    @Test("an event published between render and connect arrives once, then live events", arguments: [false, true])
    func publishedWhileLoading(eventsBefore: Bool) async throws {
        try await TestNode.withNode { node in
            if eventsBefore { try await node.publish("doc", "before the page") }
            let position = try #require(try await node.node.bus.position())
            let missed = try await node.publish("doc", "while loading")

            let stream = try await node.client.stream(path: "/events?scope=doc&lastEventId=\(position)")
            let page = EventCollector(stream)
            let first = try #require(await page.waitFor(count: 1))
            #expect(first.map(\.data) == ["while loading"])
            #expect(first[0].lastEventID == missed.description)
            try await node.publish("doc", "live")
            _ = await page.waitFor(count: 2)
            #expect(page.data == ["while loading", "live"])
            page.close()
        }
    }

    @Test("the Last-Event-ID header wins over the parameter (a reconnect carries both)")
    func headerWins() async throws {
        try await TestNode.withNode { node in
            let position = try #require(try await node.node.bus.position())
            let seen = try await node.publish("doc", "seen")
            try await node.publish("doc", "missed")
            let stream = try await node.client.stream(path: "/events?scope=doc&lastEventId=\(position)", headers: [("Last-Event-ID", seen.description)])
            let page = EventCollector(stream)
            #expect(await page.waitFor(count: 1)?.map(\.data) == ["missed"])
            try await node.publish("doc", "live")
            _ = await page.waitFor(count: 2)
            #expect(page.data == ["missed", "live"])
            page.close()
        }
    }

    @Test("a bad lastEventId gets the same 400 as a bad header, also beside a good header")
    func badParameter() async throws {
        try await TestNode.withNode { node in
            let good = try #require(try await node.node.bus.position())
            for (path, headers) in [
                ("/events?scope=a&lastEventId=yesterday", []),
                ("/events?scope=a&lastEventId=1-2-3", [("Last-Event-ID", good.description)]),
                ("/events?scope=a&lastEventId=99999999999999999999999-0", []),
            ] as [(String, [(String, String)])] {
                let response = try await node.client.send(.GET, path, headers: headers)
                #expect(response.status == 400, "\(path)")
                #expect(response.text.contains("\"code\":\"invalid-last-event-id\""), "\(response.text)")
            }
            #expect(node.hub.connectionCount == 0)
        }
    }

    @Test("with a renderer, what changed while the page loaded arrives as rendered blocks, with the change's id")
    func renderedChanges() async throws {
        let renderer = ChangeRenderer(sharing: { _ in .shared }, render: { change, _ in
            change.paths.map { ServerSentEvent(event: $0, data: "<h1 id=\"\($0)\" hx-swap-oob=\"true\">fresh \($0)</h1>") }
        })
        try await TestNode.withNode(renderer: renderer) { node in
            let position = try #require(try await node.node.bus.position())
            let ids = try await node.client.publish([Envelope(scope: "doc", data: "", paths: ["title"])])
            let stream = try await node.client.stream(path: "/events?scope=doc&lastEventId=\(position)")
            let page = EventCollector(stream)
            let events = try #require(await page.waitFor(count: 1))
            #expect(events.map(\.type) == ["title"])
            #expect(events[0].data.contains("fresh title"))
            #expect(events[0].lastEventID == ids[0].description)
            page.close()
        }
    }
}
