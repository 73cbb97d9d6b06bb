/// Finds elements in HTML source text (a template's source, mustache tags included) without
/// building a DOM: enough to locate `sse-swap` elements and their extent.
///
/// It understands quoted attribute values (a `>` inside quotes does not end a tag), comments,
/// `<!doctype>`, void elements, self-closing tags, and the raw text of `script`, `style` and
/// `textarea`. Mustache tags are plain text to it.
public enum HTMLScanner {
    /// Elements that never have an end tag.
    static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
    ]
    /// Whether `tagName` (lowercased) is a void element such as `input`: complete without an end tag.
    public static func isVoidElement(_ tagName: String) -> Bool {
        voidElements.contains(tagName)
    }

    static let rawTextElements: Set<String> = ["script", "style", "textarea", "title"]

    private struct Tag {
        var name: String
        var isEnd: Bool
        var selfClosing: Bool
        var attributes: [HTMLElementSpan.Attribute]
        var range: Range<Int>
    }

    /// Every element that has the attribute `name` (case-insensitive), in source order.
    public static func elements(withAttribute name: String, in source: String) -> [HTMLElementSpan] {
        let wanted = name.lowercased()
        let tags = scanTags(Array(source.utf8))
        var found: [HTMLElementSpan] = []
        for (position, tag) in tags.enumerated() where !tag.isEnd && tag.attributes.contains(where: { $0.name == wanted }) {
            var endTag: Range<Int>?
            if !tag.selfClosing, !voidElements.contains(tag.name) {
                var depth = 0
                for later in tags[(position + 1)...] where later.name == tag.name {
                    if later.isEnd {
                        if depth == 0 {
                            endTag = later.range
                            break
                        }
                        depth -= 1
                    } else if !later.selfClosing {
                        depth += 1
                    }
                }
            }
            found.append(HTMLElementSpan(tagName: tag.name, attributes: tag.attributes, startTag: tag.range, endTag: endTag))
        }
        return found
    }

    private static func scanTags(_ bytes: [UInt8]) -> [Tag] {
        var tags: [Tag] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if starts(bytes, at: index, with: "<!--") {
                index = find(bytes, "-->", from: index + 4).map { $0 + 3 } ?? bytes.count
                continue
            }
            if starts(bytes, at: index, with: "<!") || starts(bytes, at: index, with: "<?") {
                index = find(bytes, ">", from: index).map { $0 + 1 } ?? bytes.count
                continue
            }
            guard let tag = readTag(bytes, at: index) else {
                index += 1
                continue
            }
            tags.append(tag)
            index = tag.range.upperBound
            if !tag.isEnd, !tag.selfClosing, rawTextElements.contains(tag.name) {
                // Skip raw text up to the matching end tag, so a '<' in a script is not a tag.
                var search = index
                while let candidate = find(bytes, "</", from: search) {
                    if let end = readTag(bytes, at: candidate), end.isEnd, end.name == tag.name {
                        index = candidate
                        break
                    }
                    search = candidate + 2
                }
            }
        }
        return tags
    }

    private static func readTag(_ bytes: [UInt8], at start: Int) -> Tag? {
        var index = start + 1
        let isEnd = index < bytes.count && bytes[index] == UInt8(ascii: "/")
        if isEnd { index += 1 }
        let nameStart = index
        guard index < bytes.count, isASCIILetter(bytes[index]) else { return nil }
        while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">"), bytes[index] != UInt8(ascii: "/") {
            index += 1
        }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
        var attributes: [HTMLElementSpan.Attribute] = []
        var selfClosing = false
        while index < bytes.count {
            let byte = bytes[index]
            if isSpace(byte) {
                index += 1
            } else if byte == UInt8(ascii: ">") {
                return Tag(name: name, isEnd: isEnd, selfClosing: selfClosing, attributes: attributes, range: start..<(index + 1))
            } else if byte == UInt8(ascii: "/") {
                selfClosing = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: ">")
                index += 1
            } else {
                selfClosing = false
                let attributeStart = index
                while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">"),
                      bytes[index] != UInt8(ascii: "="), !(bytes[index] == UInt8(ascii: "/") && index > attributeStart) {
                    index += 1
                }
                let attributeName = String(decoding: bytes[attributeStart..<index], as: UTF8.self).lowercased()
                var value: String?
                var look = index
                while look < bytes.count, isSpace(bytes[look]) { look += 1 }
                if look < bytes.count, bytes[look] == UInt8(ascii: "=") {
                    look += 1
                    while look < bytes.count, isSpace(bytes[look]) { look += 1 }
                    if look < bytes.count, bytes[look] == UInt8(ascii: "\"") || bytes[look] == UInt8(ascii: "'") {
                        let quote = bytes[look]
                        let valueStart = look + 1
                        var valueEnd = valueStart
                        while valueEnd < bytes.count, bytes[valueEnd] != quote { valueEnd += 1 }
                        guard valueEnd < bytes.count else { return nil }
                        value = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                        index = valueEnd + 1
                    } else {
                        let valueStart = look
                        while look < bytes.count, !isSpace(bytes[look]), bytes[look] != UInt8(ascii: ">") { look += 1 }
                        value = String(decoding: bytes[valueStart..<look], as: UTF8.self)
                        index = look
                    }
                }
                if !isEnd { attributes.append(.init(name: attributeName, value: value)) }
            }
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    private static func starts(_ bytes: [UInt8], at index: Int, with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { buffer in
            (0..<count).allSatisfy { (bytes[index + $0] | 0x20) == (buffer[$0] | 0x20) }
        }
    }

    private static func find(_ bytes: [UInt8], _ needle: StaticString, from start: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard start + count <= bytes.count else { return nil }
        return needle.withUTF8Buffer { buffer in
            (start...(bytes.count - count)).first { position in
                (0..<count).allSatisfy { bytes[position + $0] == buffer[$0] }
            }
        }
    }
}
