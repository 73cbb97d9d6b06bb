@testable import ChorusReactive
import Testing

@Suite("Mustache outline on malformed source")
struct MustacheOutlineTests {
    // Found by Fuzz/fuzz-mustache-outline. swift-mustache refuses these sources before the outline
    // sees them in ReactiveTemplates, but the outline must not trap on any text of its own.
    @Test("a closing delimiter that starts with a tag's sigil is not taken for the sigil")
    func closingDelimiterStartingWithSigil() throws {
        // With `%>` closing, `<%%>` was read as a pragma tag whose body ended before it began.
        #expect(throws: ReactiveTemplateError.unterminatedTag(offset: 11)) { try MustacheOutline("{{=<% %>=}}<%%>") }
        let outline = try MustacheOutline("{{=<% %>=}}<%%x%><%#a%><%b%><%/a%>")
        #expect(outline.regions.map(\.name) == ["a"])
        #expect(outline.reads.map(\.name) == ["a", "b"])
    }
}
