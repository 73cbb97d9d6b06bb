import ChorusCore
import ChorusReactive
import Testing

@Suite("Dependency index")
struct DependencyIndexTests {
    let title = BlockRef(template: "doc", block: "title")
    let body = BlockRef(template: "doc", block: "body")
    let stats = BlockRef(template: "doc", block: "stats", targetID: "doc-stats")
    let whole = BlockRef(template: "doc", block: "whole")

    func makeIndex() throws -> DependencyIndex {
        var index = DependencyIndex()
        try index.register(title, dependsOn: ["doc.title"])
        try index.register(body, dependsOn: ["doc.body"])
        try index.register(stats, dependsOn: ["doc.word_count", "stats.reading_time"])
        try index.register(whole, dependsOn: ["doc"])
        return index
    }

    @Test("prefix semantics: a change to a parent or a child path affects the block")
    func prefix() throws {
        let index = try makeIndex()
        #expect(try index.affectedBlocks(by: ["doc.title"]) == [title, whole])
        #expect(try index.affectedBlocks(by: ["doc"]) == [title, body, stats, whole])
        #expect(try index.affectedBlocks(by: ["doc.title.text"]) == [title, whole])
        #expect(try index.affectedBlocks(by: ["docs"]).isEmpty)
        #expect(try index.affectedBlocks(by: ["doc.titles"]) == [whole])
        #expect(try index.affectedBlocks(by: ["other"]).isEmpty)
    }

    @Test("a derived path changes when what it derives from changes, transitively")
    func derived() throws {
        var index = try makeIndex()
        try index.derive("doc.word_count", from: ["doc.body"])
        try index.derive("stats.reading_time", from: ["doc.word_count"])
        let bodyChange = try index.affectedBlocks(by: ["doc.body"])
        #expect(bodyChange == [body, stats, whole])
        #expect(index.expand([try ContextPath("doc.body")]).map(\.description) == ["doc.body", "doc.word_count", "stats.reading_time"])
        // stats.reading_time is outside `doc`: only the derivation chain reaches it.
        var onlyStats = DependencyIndex()
        try onlyStats.register(stats, dependsOn: ["stats.reading_time"])
        try onlyStats.derive("doc.word_count", from: ["doc.body"])
        try onlyStats.derive("stats.reading_time", from: ["doc.word_count"])
        #expect(try onlyStats.affectedBlocks(by: ["doc.body.paragraphs"]) == [stats])
        #expect(try onlyStats.affectedBlocks(by: ["doc"]) == [stats])
        #expect(try onlyStats.affectedBlocks(by: ["doc.title"]).isEmpty)
    }

    @Test("derivation cycles are refused, naming the chain, and change nothing")
    func cycles() throws {
        var index = DependencyIndex()
        try index.derive("a", from: ["b"])
        try index.derive("b", from: ["c"])
        #expect(throws: DependencyIndexError.derivationCycle([try ContextPath("c"), try ContextPath("a"), try ContextPath("b"), try ContextPath("c")])) {
            try index.derive("c", from: ["a"])
        }
        #expect { try index.derive("x", from: ["x"]) } throws: { "\($0)".contains("x ← x") }
        #expect(index.derivations.sources[try ContextPath("c")] == nil)
        // A part derived from its whole is not a cycle.
        try index.derive("doc.summary", from: ["doc"])
    }

    @Test("bad input is a clear error", arguments: [
        ("", "must not be empty"), ("doc..title", "empty segment"), (".doc", "empty segment"), ("doc title", "whitespace"),
    ])
    func badPaths(path: String, mentions: String) {
        var index = DependencyIndex()
        #expect { try index.register(BlockRef(template: "t", block: "b"), dependsOn: [path]) } throws: { "\($0)".contains(mentions) }
        #expect(index.blocks.isEmpty)
    }

    @Test("unknown blocks, duplicate targets and unusable references are refused")
    func blockErrors() throws {
        var index = try makeIndex()
        let stranger = BlockRef(template: "doc", block: "nope")
        #expect(throws: DependencyIndexError.unknownBlock(stranger)) { try index.addDependencies(["doc"], to: stranger) }
        #expect(throws: DependencyIndexError.unknownBlock(stranger)) { try index.dependencies(of: stranger) }
        #expect(throws: DependencyIndexError.unknownBlock(stranger)) { try index.remove(stranger) }
        let clash = BlockRef(template: "other", block: "x", targetID: "title")
        #expect(throws: DependencyIndexError.duplicateTarget("title", existing: title, new: clash)) { try index.register(clash) }
        #expect { try index.register(BlockRef(template: "t", block: "b", targetID: "two words")) } throws: { "\($0)".contains("whitespace") }
        #expect { try index.derive("doc.x", from: []) } throws: { "\($0)".contains("at least one") }
    }

    @Test("registering again adds dependencies; removing forgets them")
    func registerAndRemove() throws {
        var index = try makeIndex()
        try index.register(title, dependsOn: ["meta.lang"])
        #expect(try index.dependencies(of: title).map(\.description) == ["doc.title", "meta.lang"])
        #expect(try index.affectedBlocks(by: ["meta"]) == [title])
        try index.remove(title)
        #expect(try index.affectedBlocks(by: ["meta"]).isEmpty)
        #expect(index.block(forTarget: "title") == nil)
        #expect(index.blocks == [body, stats, whole])
    }
}

@Suite("Dependency index: shallow dependencies")
struct ShallowDependencyTests {
    @Test("a shallow dependency is hit by the path or an ancestor, not by a path inside it")
    func shallow() throws {
        var index = DependencyIndex()
        let section = BlockRef(template: "doc", block: "published")
        try index.register(section, shallow: ["doc.published"])
        #expect(try index.affectedBlocks(by: ["doc.published"]) == [section])
        #expect(try index.affectedBlocks(by: ["doc"]) == [section])
        #expect(try index.affectedBlocks(by: ["doc.published.at"]).isEmpty)
        #expect(try index.affectedBlocks(by: ["doc.title"]).isEmpty)
        #expect(try index.shallowDependencies(of: section).map(\.description) == ["doc.published"])
        try index.remove(section)
        #expect(try index.affectedBlocks(by: ["doc"]).isEmpty)
    }
}
