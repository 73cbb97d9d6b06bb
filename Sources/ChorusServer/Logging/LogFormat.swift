/// How a node writes its log lines.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// swift-log's text lines, for people.
    case text
    /// One JSON object per line, for log collectors (see ``JSONLogHandler``).
    case json
}
