/// A pattern over namespaced event names (`job:progress`), segments separated by `:`.
///
/// - a plain segment matches itself (`job:progress` matches only `job:progress`);
/// - `*` matches exactly one segment (`job:*` matches `job:progress`, not `job:a:b` nor `job`);
/// - `**` matches any number of segments, none included (`job:**` matches `job`, `job:a`,
///   `job:a:b`; `**:done` matches `done` and `job:a:done`; `**` alone matches everything).
public struct EventPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case exact(String)
        case one
        case any
    }

    let segments: [Segment]
    /// The pattern as written.
    public let text: String

    /// Parses `text`, or says what is wrong with it.
    public init(_ text: String) throws(DispatchError) {
        guard !text.isEmpty else { throw .invalidPattern(text, reason: "a pattern must not be empty") }
        var segments: [Segment] = []
        for part in text.split(separator: ":", omittingEmptySubsequences: false) {
            switch part {
            case "": throw .invalidPattern(text, reason: "empty segment (two ':' in a row, or a ':' at an end)")
            case "*": segments.append(.one)
            case "**": segments.append(.any)
            default:
                guard !part.contains("*") else {
                    throw .invalidPattern(text, reason: "'*' must be a whole segment ('job:*'), not part of one ('\(part)')")
                }
                segments.append(.exact(String(part)))
            }
        }
        self.segments = segments
        self.text = text
    }

    /// Whether the event name `name` matches.
    public func matches(_ name: String) -> Bool {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        // matched[i][j]: pattern segments from i match name parts from j. Filled from the end.
        var matched = Array(repeating: Array(repeating: false, count: parts.count + 1), count: segments.count + 1)
        matched[segments.count][parts.count] = true
        for i in stride(from: segments.count - 1, through: 0, by: -1) {
            for j in stride(from: parts.count, through: 0, by: -1) {
                switch segments[i] {
                case .any:
                    matched[i][j] = matched[i + 1][j] || (j < parts.count && matched[i][j + 1])
                case .one:
                    matched[i][j] = j < parts.count && !parts[j].isEmpty && matched[i + 1][j + 1]
                case .exact(let segment):
                    matched[i][j] = j < parts.count && parts[j] == segment && matched[i + 1][j + 1]
                }
            }
        }
        return matched[0][0]
    }

    public var description: String { text }
}
