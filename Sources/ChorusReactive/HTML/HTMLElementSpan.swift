/// One HTML element found in a template's source: its tag, attributes and where it sits.
///
/// Offsets are UTF-8 byte offsets into the scanned text.
public struct HTMLElementSpan: Sendable, Hashable {
    /// One attribute as written (the value is not entity-decoded); `value` is `nil` for a bare attribute.
    public struct Attribute: Sendable, Hashable {
        /// The attribute name, lowercased.
        public var name: String
        /// The value as written, without its quotes; `nil` when the attribute has no `=`.
        public var value: String?

        /// Creates an attribute.
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// The tag name, lowercased (`div`).
    public var tagName: String
    /// The attributes in source order.
    public var attributes: [Attribute]
    /// The start tag, `<` to `>` inclusive.
    public var startTag: Range<Int>
    /// The matching end tag, or `nil` for a void or self-closing element or one never closed.
    public var endTag: Range<Int>?

    /// Creates a span.
    public init(tagName: String, attributes: [Attribute], startTag: Range<Int>, endTag: Range<Int>?) {
        self.tagName = tagName
        self.attributes = attributes
        self.startTag = startTag
        self.endTag = endTag
    }

    /// The whole element, start tag to end tag.
    public var outer: Range<Int> { startTag.lowerBound..<(endTag?.upperBound ?? startTag.upperBound) }

    /// What lies between the start and end tags (empty for an element without an end tag).
    public var content: Range<Int> { startTag.upperBound..<(endTag?.lowerBound ?? startTag.upperBound) }

    /// The value of the first attribute called `name` (case-insensitive); `""` for a bare attribute,
    /// `nil` when absent.
    public func attribute(_ name: String) -> String? {
        let lowered = name.lowercased()
        guard let found = attributes.first(where: { $0.name == lowered }) else { return nil }
        return found.value ?? ""
    }

    /// Whether `range` lies inside this element's content.
    public func contains(_ range: Range<Int>) -> Bool {
        content.lowerBound <= range.lowerBound && range.upperBound <= content.upperBound
    }
}
