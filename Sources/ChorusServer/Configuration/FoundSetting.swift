/// A setting's value as it was written, and where.
struct FoundSetting: Sendable {
    /// The value; a list setting's items (a scalar one has one item).
    var items: [String]
    /// Where it was found.
    var source: SettingSource

    /// The single value of a scalar setting.
    var text: String { items.first ?? "" }
}
