import ArgumentParser
import Foundation

/// Resolves an option from its flag, then its `CHORUS_*` environment variable, then its default,
/// and says which one was wrong when a value does not parse. The one place the environment is read.
struct Settings {
    let environment: [String: String]

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    func value<T>(
        _ flag: String?,
        flagName: String,
        variable: String,
        default defaultValue: T,
        expected: String,
        parse: (String) -> T?
    ) throws -> T {
        if let flag {
            guard let value = parse(flag) else {
                throw ValidationError("invalid value '\(flag)' for \(flagName): expected \(expected)")
            }
            return value
        }
        if let text = environment[variable], !text.isEmpty {
            guard let value = parse(text) else {
                throw ValidationError("invalid value '\(text)' in \(variable): expected \(expected)")
            }
            return value
        }
        return defaultValue
    }

    func string(_ flag: String?, flagName: String, variable: String, default defaultValue: String) throws -> String {
        try value(flag, flagName: flagName, variable: variable, default: defaultValue, expected: "a non-empty string") { $0.isEmpty ? nil : $0 }
    }

    func optionalString(_ flag: String?, variable: String) -> String? {
        flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    func integer(_ flag: String?, flagName: String, variable: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        try value(flag, flagName: flagName, variable: variable, default: defaultValue, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    func duration(_ flag: String?, flagName: String, variable: String, default defaultValue: Duration) throws -> Duration {
        try value(flag, flagName: flagName, variable: variable, default: defaultValue, expected: "a positive duration such as 500ms, 15s or 2m") {
            Self.parseDuration($0)
        }
    }

    /// ``parseDuration(_:)`` plus hours and days (`1h`, `7d`), for token lifetimes.
    static func parseLongDuration(_ text: String) -> Duration? {
        for (suffix, seconds) in [("h", Int64(3600)), ("d", Int64(86_400))] where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)), number > 0 else { return nil }
            return .seconds(number * seconds)
        }
        return parseDuration(text)
    }

    /// `250ms`, `15s`, `2m`, or a bare number of seconds.
    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            guard let number = Int64(text.dropLast(suffix.count)), number > 0 else { return nil }
            return .milliseconds(number * milliseconds)
        }
        guard let seconds = Int64(text), seconds > 0 else { return nil }
        return .seconds(seconds)
    }
}
