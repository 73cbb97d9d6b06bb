import ChorusCore

/// The structure of a mustache template's source that the reactive layer needs: where each named
/// block (`{{$name}}…{{/name}}`) sits, which sections enclose it, and which names each part reads.
///
/// swift-mustache parses templates into tokens it keeps internal, so this scanner reads the same
/// tag grammar from the source text: default `{{ }}` delimiters and `{{=<% %>=}}` changes,
/// `{{{triple}}}` and `{{&name}}`, sections `#`, inverted `^`, blocks `$`, parents `<`, partials
/// `>` (and dynamic `>*`), comments `!`, pragmas `%`, and transforms (`{{uppercased(name)}}`).
/// The template is also compiled by swift-mustache, which rejects malformed source first.
struct MustacheOutline: Sendable {
    /// The current delimiters.
    struct Delimiters: Sendable, Hashable {
        var open: String
        var close: String
        static let standard = Delimiters(open: "{{", close: "}}")
    }

    /// A section, inverted section, block or parent: an opening tag with a matching close.
    struct Region: Sendable {
        enum Kind: Sendable { case section, inverted, block, parent }
        var kind: Kind
        /// The name as written, transforms included (`uppercased(doc)`), to re-open the section.
        var rawName: String
        /// The variable name the region reads (`doc`), `""` for none.
        var name: String
        var open: Range<Int>
        var close: Range<Int>
        /// Enclosing regions, outermost first (indices into ``regions``).
        var enclosing: [Int]
        /// The delimiters in force right after the opening tag.
        var delimiters: Delimiters
        /// What lies between the opening and closing tags.
        var inner: Range<Int> { open.upperBound..<close.lowerBound }
    }

    /// Something the template reads: a variable, a section's name, or a partial.
    struct Read: Sendable {
        enum Kind: Sendable, Hashable {
            /// `{{name}}`, `{{{name}}}`, `{{&name}}`, `{{>*name}}`: reads the value and what is inside it.
            case variable
            /// `{{#name}}` or `{{^name}}`: reads whether the value is there, true or empty.
            case section
            /// `{{>name}}` or `{{<name}}`: reads whatever that template reads.
            case partial
        }
        var kind: Kind
        var name: String
        var range: Range<Int>
        /// Enclosing regions, outermost first.
        var enclosing: [Int]
    }

    let source: [UInt8]
    private(set) var regions: [Region] = []
    private(set) var reads: [Read] = []
    /// Each set-delimiter tag: the offset right after it and the delimiters from there on.
    private(set) var delimiterChanges: [(offset: Int, delimiters: Delimiters)] = []

    /// Scans `text`; throws when tags are unbalanced or unterminated.
    init(_ text: String) throws(ReactiveTemplateError) {
        source = Array(text.utf8)
        try scan()
    }

    /// The named blocks: `$` regions not inside a parent (`{{<parent}}`) override list.
    var blocks: [Int] {
        regions.indices.filter { index in
            regions[index].kind == .block && !regions[index].enclosing.contains { regions[$0].kind == .parent }
        }
    }

    /// The text of `range`.
    func text(_ range: Range<Int>) -> String {
        String(decoding: source[range], as: UTF8.self)
    }

    // MARK: scanning

    private mutating func scan() throws(ReactiveTemplateError) {
        var delimiters = Delimiters.standard
        var stack: [(kind: Region.Kind, rawName: String, name: String, open: Range<Int>, enclosing: [Int], delimiters: Delimiters)] = []
        var closedRegions: [Int: Region] = [:]
        var openOrder: [Int] = []  // region index for each stack entry
        var nextRegion = 0
        var index = 0
        while let start = find(delimiters.open, from: index) {
            var cursor = start + delimiters.open.utf8.count
            guard cursor < source.count else { throw .unterminatedTag(offset: start) }
            let sigil = source[cursor]
            var closer = delimiters.close
            if sigil == UInt8(ascii: "{") { closer = "}" + delimiters.close }
            let kindByte: UInt8? = [UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "$"),
                                    UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "!"), UInt8(ascii: "="),
                                    UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "{")].contains(sigil) ? sigil : nil
            // The closing delimiter is looked for after the sigil: with `%>` closing, `<%%>` is an
            // unterminated pragma, not a tag whose body ends before it begins.
            if kindByte != nil { cursor += 1 }
            guard let end = find(closer, from: cursor) else { throw .unterminatedTag(offset: start) }
            let tagRange = start..<(end + closer.utf8.count)
            let enclosing = openOrder
            let body = String(decoding: source[cursor..<end], as: UTF8.self).trimmingWhitespace()
            switch kindByte {
            case UInt8(ascii: "!"), UInt8(ascii: "%"):
                break
            case UInt8(ascii: "="):
                var inner = body
                guard inner.hasSuffix("=") else { throw .invalidDelimiters(offset: start) }
                inner.removeLast()
                let parts = inner.split(whereSeparator: { $0.isWhitespace })
                guard parts.count == 2 else { throw .invalidDelimiters(offset: start) }
                delimiters = Delimiters(open: String(parts[0]), close: String(parts[1]))
                delimiterChanges.append((tagRange.upperBound, delimiters))
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "<"):
                let kind: Region.Kind = switch kindByte {
                case UInt8(ascii: "#"): .section
                case UInt8(ascii: "^"): .inverted
                case UInt8(ascii: "$"): .block
                default: .parent
                }
                let name = kind == .block || kind == .parent ? body : Self.variableName(body)
                if kind == .section || kind == .inverted, !name.isEmpty {
                    reads.append(Read(kind: .section, name: name, range: tagRange, enclosing: enclosing))
                }
                if kind == .parent {
                    reads.append(Read(kind: .partial, name: body, range: tagRange, enclosing: enclosing))
                }
                stack.append((kind, body, name, tagRange, enclosing, delimiters))
                openOrder.append(nextRegion)
                nextRegion += 1
            case UInt8(ascii: "/"):
                guard let top = stack.popLast(), let regionIndex = openOrder.popLast() else {
                    throw .unbalancedClose(name: body, offset: start)
                }
                guard top.rawName == body else {
                    throw .mismatchedClose(opened: top.rawName, closed: body, offset: start)
                }
                closedRegions[regionIndex] = Region(
                    kind: top.kind, rawName: top.rawName, name: top.name, open: top.open, close: tagRange,
                    enclosing: top.enclosing, delimiters: top.delimiters
                )
            case UInt8(ascii: ">"):
                if body.hasPrefix("*") {
                    reads.append(Read(kind: .variable, name: String(body.dropFirst()).trimmingWhitespace(), range: tagRange, enclosing: enclosing))
                } else {
                    reads.append(Read(kind: .partial, name: body, range: tagRange, enclosing: enclosing))
                }
            default:
                let name = Self.variableName(body)
                if !name.isEmpty {
                    reads.append(Read(kind: .variable, name: name, range: tagRange, enclosing: enclosing))
                }
            }
            index = tagRange.upperBound
        }
        if let open = stack.last {
            throw .unclosedSection(name: open.rawName, offset: open.open.lowerBound)
        }
        regions = (0..<nextRegion).compactMap { closedRegions[$0] }
    }

    /// The variable a tag body reads: `name` from `name`, `uppercased(name)` or `reversed(uppercased(name))`.
    static func variableName(_ body: String) -> String {
        guard let open = body.lastIndex(of: "(") else { return body }
        let afterOpen = body[body.index(after: open)...]
        return String(afterOpen.prefix { $0 != ")" }).trimmingWhitespace()
    }

    private func find(_ needle: String, from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, start + pattern.count <= source.count else { return nil }
        var position = start
        while position + pattern.count <= source.count {
            if source[position] == pattern[0], source[position..<(position + pattern.count)].elementsEqual(pattern) {
                return position
            }
            position += 1
        }
        return nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
