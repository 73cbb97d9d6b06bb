/// A dotted path into the data a template renders (`doc.title`, `doc.author.name`).
///
/// Paths are compared segment by segment: `doc` is a prefix of `doc.title` but not of `docs`.
/// Two paths *overlap* when one is a prefix of the other (or they are equal); a change to either
/// may change what a reader of the other sees.
public struct ContextPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The segments, in order (`["doc", "title"]`).
    public let segments: [String]

    /// Parses `text`, or says what is wrong with it.
    ///
    /// A path is one or more non-empty segments joined by `.`, with no whitespace in it.
    public init(_ text: String) throws(DependencyIndexError) {
        guard !text.isEmpty else { throw .emptyPath }
        guard !text.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .invalidPath(text, reason: "a path must not contain whitespace")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) else {
            throw .invalidPath(text, reason: "empty segment (two '.' in a row, or a '.' at an end)")
        }
        self.segments = parts.map(String.init)
    }

    /// A path from segments that are known to be valid (non-empty, no `.`, no whitespace).
    init(validSegments: [String]) {
        precondition(!validSegments.isEmpty, "a context path has at least one segment")
        self.segments = validSegments
    }

    /// The path as written (`doc.title`).
    public var description: String { segments.joined(separator: ".") }

    /// Whether this path is `other` or one of its ancestors (`doc` is a prefix of `doc.title`).
    public func isPrefix(of other: ContextPath) -> Bool {
        segments.count <= other.segments.count && zip(segments, other.segments).allSatisfy { $0 == $1 }
    }

    /// Whether a change to one of the two paths may change what a reader of the other sees:
    /// one is a prefix of the other.
    public func overlaps(_ other: ContextPath) -> Bool {
        isPrefix(of: other) || other.isPrefix(of: self)
    }

    /// Orders paths by their text, for stable output.
    public static func < (lhs: ContextPath, rhs: ContextPath) -> Bool {
        lhs.segments.lexicographicallyPrecedes(rhs.segments)
    }

    /// Parses every text, or fails on the first bad one.
    public static func parseAll(_ texts: some Sequence<String>) throws(DependencyIndexError) -> [ContextPath] {
        var paths: [ContextPath] = []
        for text in texts { paths.append(try ContextPath(text)) }
        return paths
    }
}
