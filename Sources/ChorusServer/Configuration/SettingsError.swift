/// A setting that cannot be used: the message names the setting and where its value came from
/// (flag, variable, file), never a secret's value.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for a person.
    public let message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// `found`'s value does not parse as `expected`.
    static func invalid(_ key: SettingKey, _ found: FoundSetting, expected: String) -> SettingsError {
        let shown = key.isSecret ? "" : " '\(found.text)'"
        return SettingsError("invalid value\(shown) for \(key.name) from \(found.source): expected \(expected)")
    }
}
