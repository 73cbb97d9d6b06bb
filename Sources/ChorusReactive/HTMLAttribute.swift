/// One HTML attribute, written as `name="value"` with the value escaped, or as a bare `name`.
public struct HTMLAttribute: Sendable, Hashable, CustomStringConvertible {
    /// The attribute name (`sse-swap`).
    public let name: String
    /// The unescaped value; `nil` writes a bare attribute.
    public let value: String?

    /// Creates an attribute. The value is escaped when written, never here.
    public init(_ name: String, _ value: String?) {
        self.name = name
        self.value = value
    }

    /// `name="escaped value"` (or `name`).
    public var description: String {
        guard let value else { return name }
        return "\(name)=\"\(HTMLBuilder.escape(value))\""
    }
}

extension Array where Element == HTMLAttribute {
    /// The attributes separated by spaces, ready to put inside a start tag.
    public var html: String { map(\.description).joined(separator: " ") }
}
