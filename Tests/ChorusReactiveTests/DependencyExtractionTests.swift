import ChorusCore
import ChorusReactive
import Testing

@Suite("Dependencies read from mustache blocks")
struct DependencyExtractionTests {
    @Test("the blocks of a template are found in source order")
    func blockNames() throws {
        let templates = try makeTemplates()
        #expect(try templates.template(named: "doc").blockNames == ["title", "body", "stats", "cursor", "footer"])
    }

    @Test("variables are read through the sections around them, and the sections too")
    func sections() throws {
        let templates = try makeTemplates()
        #expect(try templates.dependencies(ofBlock: "title", in: "doc") == BlockDependencies(paths: ["doc.title", "title"], shallow: ["doc"]))
        #expect(try templates.dependencies(ofBlock: "stats", in: "doc")
            == BlockDependencies(paths: ["doc.word_count", "reading_time", "stats.reading_time"], shallow: ["stats"]))
    }

    @Test("partials are followed, with transforms stripped")
    func partials() throws {
        let templates = try makeTemplates()
        #expect(try templates.dependencies(ofBlock: "footer", in: "doc") == BlockDependencies(paths: ["site.name", "site.owner"]))
    }

    @Test("a dotted name reads only the innermost context; custom delimiters are understood")
    func dottedAndDelimiters() throws {
        var templates = ReactiveTemplates()
        try templates.register("{{=<% %>=}}<%#user%><%$card%><%.name%> <%&bio%><%/card%><%/user%>", named: "t")
        #expect(try templates.dependencies(ofBlock: "card", in: "t") == BlockDependencies(paths: ["bio", "user.bio", "user.name"], shallow: ["user"]))
    }

    @Test("malformed templates and unknown names are clear errors")
    func errors() throws {
        var templates = ReactiveTemplates()
        #expect { try templates.register("{{#a}}x", named: "bad") } throws: { "\($0)".contains("'bad'") }
        #expect { try templates.register("{{$a}}1{{/a}}{{$a}}2{{/a}}", named: "twice") } throws: {
            ($0 as? ReactiveTemplateError) == .duplicateBlock(template: "twice", block: "a")
        }
        #expect(throws: ReactiveTemplateError.unknownTemplate("nope")) { try templates.dependencies(ofBlock: "x", in: "nope") }
        try templates.register("{{$a}}{{/a}}", named: "ok")
        #expect(throws: ReactiveTemplateError.unknownBlock(template: "ok", block: "b")) { try templates.dependencies(ofBlock: "b", in: "ok") }
    }
}
