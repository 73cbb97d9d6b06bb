/// Why the dispatcher refused an input.
public enum DispatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An event pattern is malformed; the reason says how.
    case invalidPattern(String, reason: String)
    /// An event name is empty or has an empty segment.
    case invalidEventName(String)

    public var description: String {
        switch self {
        case .invalidPattern(let text, let reason): "invalid event pattern '\(text)': \(reason)"
        case .invalidEventName(let name): "invalid event name '\(name)': use non-empty segments separated by ':' (job:progress)"
        }
    }
}
