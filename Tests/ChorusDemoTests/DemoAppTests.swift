import ChorusCore
import ChorusDemo
import ChorusReactive
import Logging
import Testing

@Suite("The demo's blocks")
struct DemoAppTests {
    func makeApp() throws -> DemoApp {
        try DemoApp(
            store: MemoryDemoStore(), bus: InMemoryBus(), tokenSecret: String(repeating: "s", count: 40),
            assets: .unpkg, nodeID: "test", logger: Logger(label: "demo.test")
        )
    }

    @Test("every sse-swap block of the page is registered, with the dependencies its template reads")
    func blocks() throws {
        let app = try makeApp()
        func affected(_ paths: [String]) throws -> [String] {
            try app.blocks.index.affectedBlocks(by: paths).map(\.targetID)
        }
        #expect(try affected(["doc.title"]) == ["heading", "title_input"])
        #expect(try affected(["doc.body"]) == ["words", "body_input"])
        #expect(try affected(["doc.version"]) == ["version"])
        #expect(try affected(["doc"]) == ["heading", "version", "words", "title_input", "body_input"])
        #expect(try affected(["presence"]) == ["who"])
        #expect(try affected(["me.notes"]) == ["notes"])
    }

    @Test("document changes render once for everyone; note changes per user, with that user's notes")
    func sharing() async throws {
        let app = try makeApp()
        #expect(app.renderer.sharing(for: ReactiveChange(scope: DemoApp.scope, paths: ["doc.title"])) == .shared)
        #expect(app.renderer.sharing(for: ReactiveChange(scope: DemoApp.scope, paths: ["me.notes"])) == .perUser)
        let rendered = await app.renderer.render(ReactiveChange(scope: DemoApp.scope, paths: ["me.notes"]), userID: "bob")
        #expect(rendered.failures.isEmpty)
        #expect(rendered.events.map(\.event) == ["notes"])
        #expect(rendered.events.first?.data.contains("Only you see notes sent to you.") == true)
    }
}
