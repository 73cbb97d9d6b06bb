/// Durations in log lines: milliseconds with up to three decimals.
enum LogDuration {
    static func milliseconds(_ duration: Duration) -> String {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let whole = microseconds / 1000, fraction = microseconds % 1000
        return fraction == 0 ? "\(whole)" : "\(whole)." + String(String(fraction + 1000).dropFirst())
    }
}
