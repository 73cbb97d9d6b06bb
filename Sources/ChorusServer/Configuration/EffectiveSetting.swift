/// One line of `chorus serve --check`.
public struct EffectiveSetting: Sendable, Hashable {
    /// The setting's name (its configuration-file key).
    public var name: String
    /// Its value as text; `<redacted>` for secrets, `(unset)` when it has none.
    public var value: String
    /// Where it came from.
    public var source: SettingSource
}
