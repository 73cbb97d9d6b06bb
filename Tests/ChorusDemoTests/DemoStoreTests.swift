import ChorusCore
import ChorusDemo
import ChorusRedis
import ChorusTesting
import Logging
import Testing

/// The same behaviour from both stores: what the demo's users see on one node or in a cluster.
@Suite("Demo stores", .serialized)
struct DemoStoreTests {
    static func withStores(_ body: (any DemoStore, String) async throws -> Void) async throws {
        try await body(MemoryDemoStore(), "memory")
        let server = try await RedisServer()
        var logger = Logger(label: "demo.test")
        logger.logLevel = .warning
        let bus = RedisBus(configuration: RedisConfiguration(url: try RedisURL(server.url), keyPrefix: "demo-\(UInt32.random(in: 0 ... .max))"), logger: logger)
        let store = RedisDemoStore(bus: bus)
        try await store.seed()
        try await body(store, "redis")
        await server.stop()
    }

    @Test("a fresh store holds the welcome document; an edit changes the given fields, bumps the version once and names the changed paths")
    func edits() async throws {
        try await Self.withStores { store, kind in
            #expect(try await store.document() == .welcome, "\(kind)")
            let edit = try await store.edit(title: "New title", body: DemoDocument.welcome.body)
            #expect(edit.changedPaths == ["doc.title", "doc.version"], "\(kind)")
            #expect(edit.document == DemoDocument(title: "New title", body: DemoDocument.welcome.body, version: 2), "\(kind)")
            let both = try await store.edit(title: "T", body: "one two  three\nfour")
            #expect(both.changedPaths == ["doc.title", "doc.body", "doc.version"], "\(kind)")
            #expect(both.document.version == 3 && both.document.wordCount == 4, "\(kind)")
            let nothing = try await store.edit(title: "T", body: nil)
            #expect(nothing.changedPaths.isEmpty && nothing.document.version == 3, "\(kind)")
            #expect(try await store.document() == both.document, "\(kind)")
        }
    }

    @Test("concurrent edits each bump the version exactly once")
    func concurrentEdits() async throws {
        try await Self.withStores { store, kind in
            let start = try await store.document().version
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { _ = try? await store.edit(title: "title \(index)", body: nil) }
                }
            }
            #expect(try await store.document().version == start + 20, "\(kind)")
        }
    }

    @Test("notes are kept per user, oldest first, only the most recent ones")
    func notes() async throws {
        try await Self.withStores { store, kind in
            try await store.add(DemoNote(from: "ada", text: "for bob, with \"quotes\" and\na line break"), for: "bob")
            #expect(try await store.notes(for: "bob") == [DemoNote(from: "ada", text: "for bob, with \"quotes\" and\na line break")], "\(kind)")
            #expect(try await store.notes(for: "ada").isEmpty, "\(kind)")
            for index in 0..<(DemoLimits.notesKept + 5) {
                try await store.add(DemoNote(from: "eve", text: "\(index)"), for: "cy")
            }
            let kept = try await store.notes(for: "cy")
            #expect(kept.map(\.text) == (5..<(DemoLimits.notesKept + 5)).map(String.init), "\(kind)")
        }
    }
}
