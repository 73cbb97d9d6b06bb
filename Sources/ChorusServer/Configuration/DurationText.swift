/// Durations as people write them in settings: `250ms`, `15s`, `2m`, `1h`, `7d`, or a bare number
/// of seconds.
public enum DurationText {
    /// The duration `text` names, or `nil` when it names none (or zero, or a negative one).
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            // Bounded so the product cannot overflow: a client never writes these, but a typo must
            // give an error, not a trap.
            guard let number = Int64(text.dropLast(suffix.count)), number > 0, number <= Int64.max / 86_400_000 else { return nil }
            return .milliseconds(number * milliseconds)
        }
        guard let seconds = Int64(text), seconds > 0, seconds <= Int64.max / 1000 else { return nil }
        return .seconds(seconds)
    }

    /// `duration` in the largest unit that writes it exactly: `15s`, `500ms`, `5m`.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        for (suffix, unit) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds % unit == 0 && milliseconds >= unit {
            return "\(milliseconds / unit)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
