import ChorusCore
import ChorusReactive
import Synchronization
import Testing

final class Counter: Sendable {
    private let value = Mutex(0)
    private let lastRequest = Mutex<ContextRequest?>(nil)
    func record(_ request: ContextRequest) {
        value.withLock { $0 += 1 }
        lastRequest.withLock { $0 = request }
    }
    var count: Int { value.withLock { $0 } }
    var request: ContextRequest? { lastRequest.withLock { $0 } }
}

struct ProviderDown: Error, CustomStringConvertible { var description: String { "database unreachable" } }

@Suite("Rendering affected blocks as out-of-band swaps")
struct RenderingTests {
    func makeBlocks() throws -> ReactiveBlocks {
        var blocks = ReactiveBlocks(templates: try makeTemplates())
        try blocks.registerSwapElements(in: "doc", excluding: ["cursor"])
        try blocks.register(BlockRef(template: "doc", block: "stats", targetID: "doc-stats"), shape: .wrap(tag: "section"))
        try blocks.register(BlockRef(template: "doc", block: "footer"))
        try blocks.derive("doc.word_count", from: ["doc.body_html"])
        return blocks
    }

    @Test("each affected block becomes one event named after its target id, with an hx-swap-oob fragment")
    func oobEvents() async throws {
        let counter = Counter()
        let renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { request in
            counter.record(request)
            return docContext
        })
        let result = await renderer.render(ReactiveChange(scope: "doc:1", paths: ["doc.title", "site.owner"]))
        #expect(result.failures.isEmpty)
        #expect(result.events.map(\.event) == ["title", "footer"])
        #expect(result.events[0].data == #"<h1 id="title" sse-swap="title" hx-swap-oob="true">Hello &lt;world&gt;</h1>"#)
        #expect(result.events[1].data == #"<div id="footer" hx-swap-oob="true"><footer>Chorus · ADA</footer></div>"#)
        #expect(counter.count == 1)
        #expect(counter.request?.blocks.map(\.targetID) == ["title", "footer"])
        #expect(counter.request?.scope == "doc:1")
    }

    @Test("the element-inside-block shape keeps the element's attributes; wrap uses the given tag; derived paths count")
    func shapes() async throws {
        let counter = Counter()
        let renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { request in
            counter.record(request)
            return docContext
        })
        let result = await renderer.render(ReactiveChange(scope: "doc:1", paths: ["doc.body_html"]))
        #expect(result.events.map(\.event) == ["body", "doc-stats"])
        #expect(result.events[0].data == #"<article id="body" class="prose" sse-swap="body,refresh" hx-swap-oob="true"><p>Hi</p></article>"#)
        #expect(result.events[1].data == #"<section id="doc-stats" hx-swap-oob="true"><p>2 words, 1 min</p></section>"#)
        #expect(counter.request?.changedPaths.map(\.description) == ["doc.body_html", "doc.word_count"])
    }

    @Test("a change nothing depends on fetches nothing and renders nothing")
    func unaffected() async throws {
        let counter = Counter()
        let renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { request in
            counter.record(request)
            return docContext
        })
        #expect(await renderer.render(ReactiveChange(scope: "doc:1", paths: ["unrelated"])) == RenderedChange())
        #expect(counter.count == 0)
    }

    @Test("a failing context provider skips the change; in debug mode each block gets an error fragment naming it")
    func providerFailure() async throws {
        var renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { _ in throw ProviderDown() })
        let quiet = await renderer.render(ReactiveChange(scope: "doc:1", paths: ["doc.title"]))
        #expect(quiet.events.isEmpty)
        #expect(quiet.failures.map(\.description) == ["change skipped: the context provider failed: database unreachable"])
        renderer.debug = true
        let loud = await renderer.render(ReactiveChange(scope: "doc:1", paths: ["doc.title"]))
        #expect(loud.events.map(\.event) == ["title"])
        #expect(loud.events[0].data.contains(#"id="title" hx-swap-oob="true""#))
        #expect(loud.events[0].data.contains("block doc/title#title failed: the context provider failed: database unreachable"))
    }

    @Test("a block that renders without its target is skipped, the others still go out; debug names it")
    func blockFailure() async throws {
        var renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { _ in
            // No `doc`: the {{#doc}} section around the title element renders nothing.
            ["site": ["name": "Chorus", "owner": "ada"] as [String: any Sendable]] as [String: any Sendable]
        })
        let change = ReactiveChange(scope: "doc:1", paths: ["doc.title", "site.name"])
        let quiet = await renderer.render(change)
        #expect(quiet.events.map(\.event) == ["footer"])
        #expect(quiet.failures.map(\.block?.block) == ["title"])
        renderer.debug = true
        let loud = await renderer.render(change)
        #expect(loud.events.map(\.event) == ["title", "footer"])
        #expect(loud.events[0].data.contains(#"data-chorus-block="doc/title#title""#))
        #expect(loud.events[0].data.contains("no element with id &#39;title&#39;"))
    }

    @Test("invalid changed paths skip the change with a clear message")
    func badPaths() async throws {
        let renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { _ in docContext })
        let result = await renderer.render(ReactiveChange(scope: "doc:1", paths: ["doc..title"]))
        #expect(result.events.isEmpty)
        #expect(result.failures.first?.message.contains("'doc..title'") == true)
    }

    @Test("a per-user provider gets the user id; a shared one never does")
    func perUser() async throws {
        let counter = Counter()
        let renderer = ReactiveRenderer(blocks: try makeBlocks(), provider: .perUser { request in
            counter.record(request)
            return docContext
        })
        _ = await renderer.render(ReactiveChange(scope: "doc:1", paths: ["doc.title"]), userID: "42")
        #expect(counter.request?.userID == "42")
        let shared = ReactiveRenderer(blocks: try makeBlocks(), provider: .shared { request in
            counter.record(request)
            return docContext
        })
        _ = await shared.render(ReactiveChange(scope: "doc:1", paths: ["doc.title"]), userID: "42")
        #expect(counter.request?.userID == nil)
    }

    @Test("a change from an envelope carries its id, scope and paths")
    func fromEnvelope() {
        let change = ReactiveChange(Envelope(scope: "doc:1", paths: ["doc.title"]))
        #expect(change == ReactiveChange(id: nil, scope: "doc:1", paths: ["doc.title"]))
    }
}
