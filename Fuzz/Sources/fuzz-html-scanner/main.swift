// The HTML scanner (finds `sse-swap` elements in reactive templates): never traps on any source,
// and every span it reports is a real tag of that source.
import ChorusCore
import ChorusReactive  // the scanner may move here; the target builds either way
import FuzzSupport

Fuzzer.run { input in
    let source = String(decoding: input, as: UTF8.self)
    let utf8 = Array(source.utf8)
    for attribute in ["sse-swap", "id"] {
        var previous = -1
        for span in HTMLScanner.elements(withAttribute: attribute, in: source) {
            let start = span.startTag
            expect(start.lowerBound > previous && start.upperBound <= utf8.count, "start tag \(start) out of order or out of the source")
            previous = start.lowerBound
            expect(utf8[start.lowerBound] == UInt8(ascii: "<") && utf8[start.upperBound - 1] == UInt8(ascii: ">"), "start tag \(start) is not <…>")
            expect(span.attribute(attribute) != nil, "a span without the attribute it was found by")
            expect(span.tagName == span.tagName.lowercased() && !span.tagName.isEmpty, "tag name \(span.tagName.debugDescription)")
            if let end = span.endTag {
                expect(start.upperBound <= end.lowerBound && end.upperBound <= utf8.count, "end tag \(end) before the start tag \(start)")
                expect(utf8[end].starts(with: Array("</".utf8)) && utf8[end.upperBound - 1] == UInt8(ascii: ">"), "end tag \(end) is not </…>")
                expect(span.contains(span.content), "content outside the element")
            }
            expect(span.outer.lowerBound == start.lowerBound && span.outer.upperBound >= start.upperBound, "outer range wrong")
        }
    }
}
