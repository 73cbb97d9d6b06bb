import ChorusCore

/// Pairs the `sse-swap` elements of a template's source with its named blocks.
enum SwapElementFinder {
    struct Match {
        var block: BlockRef
        var element: HTMLElementSpan
    }

    static func find(in template: ReactiveTemplate) throws(ReactiveTemplateError) -> [Match] {
        let outline = template.outline
        let blocks = outline.blocks.map { outline.regions[$0] }
        var matches: [Match] = []
        for element in HTMLScanner.elements(withAttribute: "sse-swap", in: template.source) {
            let described = "<\(element.tagName) sse-swap=\"\(element.attribute("sse-swap") ?? "")\">"
            func refuse(_ reason: String) -> ReactiveTemplateError {
                .invalidSwapElement(template: template.name, element: described, reason: reason)
            }
            // Shape 1: blocks inside the element (the outermost ones).
            let inside = blocks.filter { element.contains($0.open.lowerBound..<$0.close.upperBound) }
            let outermost = inside.filter { block in
                !inside.contains { other in
                    other.open.lowerBound < block.open.lowerBound && block.close.upperBound <= other.close.lowerBound
                }
            }
            // Shape 2: the innermost block around the element.
            let around = blocks.filter { $0.inner.lowerBound <= element.outer.lowerBound && element.outer.upperBound <= $0.inner.upperBound }
                .max { $0.open.lowerBound < $1.open.lowerBound }
            let blockName: String
            if outermost.count > 1 {
                throw refuse("it holds several blocks (\(outermost.map(\.name).joined(separator: ", "))); give each its own sse-swap element")
            } else if let block = outermost.first {
                blockName = block.name
            } else if let block = around {
                blockName = block.name
            } else {
                continue  // a plain sse-swap listener, not a reactive block
            }
            guard element.endTag != nil || HTMLScanner.isVoidElement(element.tagName) else { throw refuse("it has no end tag") }
            guard let id = element.attribute("id"), !id.isEmpty else {
                throw refuse("it has no id attribute; the out-of-band swap finds its target by id")
            }
            guard !id.contains(where: { $0 == "{" || $0.isWhitespace }) else {
                throw refuse("its id '\(id)' must be a literal without whitespace or mustache tags")
            }
            let events = (element.attribute("sse-swap") ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }
            guard events.contains(id) else {
                throw refuse("its sse-swap does not list its id '\(id)'; the event is named after the target id")
            }
            matches.append(Match(block: BlockRef(template: template.name, block: blockName, targetID: id), element: element))
        }
        return matches
    }
}
