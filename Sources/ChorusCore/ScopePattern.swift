/// A pattern over scope names, for what a token or an anonymous subscriber may subscribe to.
///
/// Scope names are read as `:`-separated segments. A pattern is segments too:
/// - a plain segment matches itself exactly (`user:42` matches only `user:42`);
/// - `*` matches exactly one segment, whatever it holds (`doc:*` matches `doc:1`, not `doc:1:comments`);
/// - `**`, only as the last segment, matches one or more segments (`doc:**` matches `doc:1` and
///   `doc:1:comments`; `**` alone matches every scope).
///
/// Anything else that contains `*` (`doc*`, `a:**:b`) is refused when the pattern is parsed, so a
/// typo in configuration is a startup error rather than a silent "matches nothing".
///
/// Patterns and scopes are read as UTF-8 bytes: `:` separates and `*` is a wildcard even before a
/// combining mark, and names match only byte for byte (never by Unicode canonical equivalence).
public struct ScopePattern: Sendable, Hashable, CustomStringConvertible {
    private enum Segment: Sendable, Hashable {
        case exact([UInt8])
        case one
        case rest
    }

    private let segments: [Segment]
    /// The pattern as written.
    public let text: String

    /// Matches every scope (`**`).
    public static let any = try! ScopePattern("**")

    /// Parses `text`, or says what is wrong with it.
    public init(_ text: String) throws(ScopePatternError) {
        guard !text.isEmpty else { throw ScopePatternError(pattern: text, reason: "a scope pattern must not be empty") }
        guard !text.utf8.contains(0) else { throw ScopePatternError(pattern: text, reason: "a scope pattern must not contain NUL") }
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var segments: [Segment] = []
        for (index, part) in parts.enumerated() {
            if part.isEmpty {
                throw ScopePatternError(pattern: text, reason: "empty segment (two ':' in a row, or a ':' at an end)")
            } else if part.elementsEqual("*".utf8) {
                segments.append(.one)
            } else if part.elementsEqual("**".utf8) {
                guard index == parts.count - 1 else {
                    throw ScopePatternError(pattern: text, reason: "'**' may only be the last segment")
                }
                segments.append(.rest)
            } else {
                guard !part.contains(UInt8(ascii: "*")) else {
                    throw ScopePatternError(pattern: text, reason: "'*' must be a whole segment ('doc:*'), not part of one ('\(String(decoding: part, as: UTF8.self))')")
                }
                segments.append(.exact(Array(part)))
            }
        }
        self.segments = segments
        self.text = text
    }

    /// Whether `scope` matches this pattern.
    public func matches(_ scope: String) -> Bool {
        let parts = scope.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var index = 0
        for segment in segments {
            switch segment {
            case .rest:
                return index < parts.count
            case .one:
                guard index < parts.count, !parts[index].isEmpty else { return false }
            case .exact(let expected):
                guard index < parts.count, parts[index].elementsEqual(expected) else { return false }
            }
            index += 1
        }
        return index == parts.count
    }

    public var description: String { text }

    /// Parses every pattern, or fails on the first bad one.
    public static func parseAll(_ texts: [String]) throws(ScopePatternError) -> [ScopePattern] {
        var patterns: [ScopePattern] = []
        for text in texts { patterns.append(try ScopePattern(text)) }
        return patterns
    }
}

extension Sequence where Element == ScopePattern {
    /// Whether any pattern matches `scope`.
    public func anyMatches(_ scope: String) -> Bool {
        contains { $0.matches(scope) }
    }
}

/// A scope pattern that cannot be parsed; the message names the pattern and what is wrong.
public struct ScopePatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public var pattern: String
    /// What is wrong with it.
    public var reason: String

    /// Creates an error.
    public init(pattern: String, reason: String) {
        self.pattern = pattern
        self.reason = reason
    }

    public var description: String { "invalid scope pattern '\(pattern)': \(reason)" }
}
