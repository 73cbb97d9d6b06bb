import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Synchronization
import Testing

/// Counts renders, renders `<scope> <paths> for <user>` as one event per path, named after it.
private final class CountingRenderer: Sendable {
    let renders = Mutex<[String]>([])
    let sharing: ChangeRenderer.Sharing
    let delay: Duration

    init(sharing: ChangeRenderer.Sharing, delay: Duration = .zero) {
        self.sharing = sharing
        self.delay = delay
    }

    var count: Int { renders.withLock { $0.count } }

    var renderer: ChangeRenderer {
        ChangeRenderer(sharing: { [sharing] _ in sharing }, render: { change, user in
            if self.delay > .zero { try? await Task.sleep(for: self.delay) }
            self.renders.withLock { $0.append("\(change.paths.joined(separator: ",")) for \(user ?? "-")") }
            return change.paths.map { ServerSentEvent(event: $0, data: "\($0) for \(user ?? "everyone")") }
        })
    }
}

@Suite("Changes rendered on the node")
struct ChangeDeliveryTests {
    @Test("a shared change is rendered once for every subscriber, sent as its rendered events with the change's id, and not echoed to its origin")
    func sharedOnce() async throws {
        let counting = CountingRenderer(sharing: .shared)
        try await TestNode.withNode(renderer: counting.renderer) { node in
            let origin = try await node.subscribe(["doc"], session: "tab-1")
            let others = [try await node.subscribe(["doc"], session: "tab-2"), try await node.subscribe(["doc"])]
            let ids = try await node.client.publish([Envelope(scope: "doc", event: "ignored", data: "raw", paths: ["title", "body"], origin: "tab-1")])
            for other in others {
                let events = try #require(await other.waitFor(count: 2))
                #expect(events.map(\.type) == ["title", "body"])
                #expect(events.map(\.data) == ["title for everyone", "body for everyone"])
                #expect(events.allSatisfy { $0.lastEventID == ids[0].description })
            }
            #expect(counting.count == 1)
            // The origin tab gets the next event but never the echo.
            try await node.publish("doc", "after")
            #expect(await origin.waitFor(count: 1)?.map(\.data) == ["after"])
            for stream in others + [origin] { stream.close() }
        }
    }

    @Test("a per-user change is rendered once per recipient user, and the audience still decides who gets it")
    func perUser() async throws {
        let counting = CountingRenderer(sharing: .perUser)
        try await TestNode.withNode(renderer: counting.renderer, AuthFixtures.configure) { node in
            let ada1 = try await node.subscribe(["doc"], token: try await AuthFixtures.token("ada"))
            let ada2 = try await node.subscribe(["doc"], token: try await AuthFixtures.token("ada"))
            let bob = try await node.subscribe(["doc"], token: try await AuthFixtures.token("bob"))
            let eve = try await node.subscribe(["doc"], token: try await AuthFixtures.token("eve"))
            try await node.client(key: AuthFixtures.publisherKey).publish([Envelope(scope: "doc", paths: ["notes"], audience: ["ada", "bob"])])
            #expect(await ada1.waitFor(count: 1)?.map(\.data) == ["notes for ada"])
            #expect(await ada2.waitFor(count: 1)?.map(\.data) == ["notes for ada"])
            #expect(await bob.waitFor(count: 1)?.map(\.data) == ["notes for bob"])
            #expect(counting.renders.withLock { $0.sorted() } == ["notes for ada", "notes for bob"])
            try await node.publish("doc", "after", key: AuthFixtures.publisherKey)
            #expect(await eve.waitFor(count: 1)?.map(\.data) == ["after"])
            for stream in [ada1, ada2, bob, eve] { stream.close() }
        }
    }

    @Test("events published after a slow change arrive after its rendered events, not before")
    func busOrder() async throws {
        let counting = CountingRenderer(sharing: .shared, delay: .milliseconds(200))
        try await TestNode.withNode(renderer: counting.renderer) { node in
            let stream = try await node.subscribe(["doc"])
            try await node.client.publish([Envelope(scope: "doc", paths: ["title"])])
            try await node.publish("doc", "plain")
            let events = try #require(await stream.waitFor(count: 2))
            #expect(events.map(\.data) == ["title for everyone", "plain"])
            stream.close()
        }
    }

    @Test("a client coming back with Last-Event-ID gets the missed changes rendered once, merged, with the last replayed id")
    func replayMerged() async throws {
        let counting = CountingRenderer(sharing: .shared)
        try await TestNode.withNode(renderer: counting.renderer) { node in
            let start = try await node.publish("doc", "start")
            try await node.client.publish([Envelope(scope: "doc", paths: ["title"])])
            try await node.publish("doc", "plain")
            let last = try await node.client.publish([Envelope(scope: "doc", paths: ["body", "title"])])
            let back = try await node.subscribe(["doc"], lastEventID: start.description)
            let events = try #require(await back.waitFor(count: 3))
            #expect(events.map(\.data) == ["plain", "title for everyone", "body for everyone"])
            #expect(events.dropFirst().allSatisfy { $0.lastEventID == last[0].description })
            back.close()
        }
    }
}
