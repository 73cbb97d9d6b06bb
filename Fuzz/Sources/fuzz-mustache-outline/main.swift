// The mustache outline (where reactive blocks and sections sit in a template's source): never
// traps on any source, and what it reports is consistent with the source.
import ChorusCore
@testable import ChorusReactive
import FuzzSupport

Fuzzer.run { input in
    let source = String(decoding: input, as: UTF8.self)
    guard let outline = try? MustacheOutline(source) else { return }
    let count = outline.source.count
    for (index, region) in outline.regions.enumerated() {
        expect(region.open.lowerBound >= 0 && region.open.upperBound <= region.close.lowerBound && region.close.upperBound <= count,
               "region \(index) has open \(region.open), close \(region.close) in \(count) bytes")
        for outer in region.enclosing {
            expect(outer >= 0 && outer < outline.regions.count && outer != index, "region \(index) enclosed by \(outer)")
            let enclosing = outline.regions[outer]
            expect(enclosing.inner.lowerBound <= region.open.lowerBound && region.close.upperBound <= enclosing.inner.upperBound,
                   "region \(index) is not inside region \(outer)")
        }
        _ = outline.text(region.inner)
    }
    for read in outline.reads {
        expect(read.range.lowerBound >= 0 && read.range.upperBound <= count && !read.range.isEmpty, "read at \(read.range)")
        expect(read.enclosing.allSatisfy { outline.regions.indices.contains($0) }, "read enclosed by a missing region")
    }
    for block in outline.blocks { expect(outline.regions[block].kind == .block, "a block that is not a $ region") }
    var last = 0
    for change in outline.delimiterChanges {
        expect(change.offset >= last && change.offset <= count && !change.delimiters.open.isEmpty && !change.delimiters.close.isEmpty, "delimiter change at \(change.offset)")
        last = change.offset
    }
}
