import ChorusCore
import ChorusReactive
import Testing

@Suite("sse-swap elements registered from template source")
struct SwapElementTests {
    @Test("both shapes: the block inside the element, and the element inside the block")
    func bothShapes() throws {
        var blocks = ReactiveBlocks(templates: try makeTemplates())
        let registered = try blocks.registerSwapElements(in: "doc")
        #expect(registered == [
            BlockRef(template: "doc", block: "title", targetID: "title"),   // block inside <h1 sse-swap>
            BlockRef(template: "doc", block: "body", targetID: "body"),     // <article sse-swap> inside block
            BlockRef(template: "doc", block: "cursor", targetID: "cursor"),
        ])
        // The plain listener <ul id="log" sse-swap="log"> has no block: left alone.
        #expect(blocks.index.block(forTarget: "log") == nil)
        #expect(try blocks.index.affectedBlocks(by: ["doc.title"]).map(\.block) == ["title"])
        #expect(try blocks.index.affectedBlocks(by: ["doc.body_html"]).map(\.block) == ["body"])
        #expect(try blocks.index.affectedBlocks(by: ["doc"]).map(\.block) == ["title", "body"])
    }

    @Test("excluded (client-managed) blocks are skipped, by block name or target id")
    func exclusions() throws {
        var blocks = ReactiveBlocks(templates: try makeTemplates())
        let registered = try blocks.registerSwapElements(in: "doc", excluding: ["cursor", "body"])
        #expect(registered.map(\.block) == ["title"])
        #expect(blocks.index.block(forTarget: "cursor") == nil)
    }

    @Test("an exclusion that names nothing is refused as a likely typo, and nothing is registered")
    func unknownExclusion() throws {
        var blocks = ReactiveBlocks(templates: try makeTemplates())
        #expect(throws: ReactiveTemplateError.unknownBlock(template: "doc", block: "cursr")) {
            try blocks.registerSwapElements(in: "doc", excluding: ["cursr"])
        }
        #expect(blocks.index.blocks.isEmpty)
    }

    @Test("elements that cannot be targets are clear errors", arguments: [
        (#"<div sse-swap="a">{{$a}}x{{/a}}</div>"#, "no id attribute"),
        (#"<div id="b" sse-swap="a">{{$a}}x{{/a}}</div>"#, "does not list its id 'b'"),
        (#"<div id="a" sse-swap="a">{{$a}}x{{/a}}{{$c}}y{{/c}}</div>"#, "several blocks (a, c)"),
        (#"{{$a}}<div id="{{id}}" sse-swap="a">x</div>{{/a}}"#, "must be a literal"),
    ])
    func invalidElements(source: String, mentions: String) throws {
        var templates = ReactiveTemplates()
        try templates.register(source, named: "t")
        var blocks = ReactiveBlocks(templates: templates)
        #expect { try blocks.registerSwapElements(in: "t") } throws: { "\($0)".contains(mentions) }
    }

    @Test("the HTML scanner is not fooled by quotes, comments, scripts or nesting")
    func scanner() {
        let source = """
        <!-- <div sse-swap="no"> --><script>if (a<b) { x = '<div sse-swap="no">' }</script>
        <section id="s" data-x="a > b" sse-swap="s"><section>inner</section><br></section><img sse-swap="i" id="i"/>
        """
        let found = HTMLScanner.elements(withAttribute: "SSE-SWAP", in: source)
        #expect(found.map { $0.attribute("id") } == ["s", "i"])
        let section = found[0]
        let bytes = Array(source.utf8)
        #expect(String(decoding: bytes[section.content], as: UTF8.self) == "<section>inner</section><br>")
        #expect(section.attribute("data-x") == "a > b")
        #expect(found[1].endTag == nil)
    }
}
