/// Turns the values found in ``SettingsSources`` into typed settings, one key at a time, and keeps
/// what it resolved (and from where) for `chorus serve --check`.
struct SettingsResolver {
    let sources: SettingsSources
    private(set) var effective: [EffectiveSetting] = []

    init(sources: SettingsSources) {
        self.sources = sources
    }

    /// `key`'s value parsed by `parse`, or `defaultValue` when nothing sets it.
    mutating func value<T>(
        _ key: SettingKey,
        default defaultValue: T,
        expected: String,
        show: (T) -> String = { "\($0)" },
        parse: (String) -> T?
    ) throws(SettingsError) -> T {
        guard let found = try sources.find(key) else {
            record(key, show(defaultValue), .defaultValue)
            return defaultValue
        }
        guard let value = parse(found.text) else { throw .invalid(key, found, expected: expected) }
        record(key, show(value), found.source)
        return value
    }

    /// `key`'s text, or `nil` when nothing sets it. `redacted` shows a secret safely (a URL with its
    /// password hidden); without it a secret is shown as `<redacted>`.
    mutating func optional(_ key: SettingKey, redacted: ((String) -> String)? = nil) throws(SettingsError) -> String? {
        guard let found = try sources.find(key), !found.text.isEmpty else {
            record(key, "(unset)", .defaultValue)
            return nil
        }
        if let redacted {
            effective.append(EffectiveSetting(name: key.name, value: redacted(found.text), source: found.source))
        } else {
            record(key, found.text, found.source)
        }
        return found.text
    }

    /// `key`'s items (a repeated flag, a comma-separated variable, a list in a file); `[]` when unset.
    mutating func list(_ key: SettingKey) throws(SettingsError) -> (items: [String], source: SettingSource) {
        guard let found = try sources.find(key), !found.items.isEmpty else {
            record(key, key.defaultText ?? "(none)", .defaultValue)
            return ([], .defaultValue)
        }
        record(key, found.items.joined(separator: ","), found.source)
        return (found.items, found.source)
    }

    mutating func integer(_ key: SettingKey, default defaultValue: Int, range: ClosedRange<Int>) throws(SettingsError) -> Int {
        try value(key, default: defaultValue, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    mutating func duration(_ key: SettingKey, default defaultValue: Duration) throws(SettingsError) -> Duration {
        try value(key, default: defaultValue, expected: "a positive duration such as 500ms, 15s or 2m", show: DurationText.format) {
            DurationText.parse($0)
        }
    }

    /// A duration that may also be `0` (nothing to wait, or off).
    mutating func durationOrZero(_ key: SettingKey, default defaultValue: Duration) throws(SettingsError) -> Duration {
        try value(key, default: defaultValue, expected: "a duration such as 500ms, 15s, 2m or 1h, or 0", show: { $0 == .zero ? "0" : DurationText.format($0) }) {
            ["0", "0s", "0ms"].contains($0) ? .zero : DurationText.parse($0)
        }
    }

    mutating func switchValue(_ key: SettingKey, default defaultValue: Bool) throws(SettingsError) -> Bool {
        try value(key, default: defaultValue, expected: "on or off", show: { $0 ? "on" : "off" }) {
            ["on": true, "true": true, "yes": true, "1": true, "off": false, "false": false, "no": false, "0": false][$0.lowercased()]
        }
    }

    private mutating func record(_ key: SettingKey, _ value: String, _ source: SettingSource) {
        let shown = key.isSecret && source != .defaultValue ? "<redacted>" : value
        effective.append(EffectiveSetting(name: key.name, value: shown, source: source))
    }

    /// Records a setting whose value another one decides (the demo's made-up token secret).
    mutating func note(_ key: SettingKey, _ value: String, _ source: SettingSource) {
        effective.removeAll { $0.name == key.name }
        effective.append(EffectiveSetting(name: key.name, value: value, source: source))
    }
}
