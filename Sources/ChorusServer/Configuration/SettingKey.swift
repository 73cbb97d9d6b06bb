/// One setting of a node: its name in a configuration file, its command-line flag and its
/// `CHORUS_*` environment variable, and what it is for. The node's settings are listed once, in
/// ``NodeSettings/keys``; help texts are made from them.
public struct SettingKey: Sendable, Hashable {
    /// The key in a configuration file and in a secrets directory (`heartbeat`, `queue-size`).
    public let name: String
    /// The long flag without its dashes; usually ``name``.
    public let flag: String
    /// What the setting does, for `--help`.
    public let summary: String
    /// The default as a person would write it, or `nil` when unset by default.
    public let defaultText: String?
    /// Whether the value must never be printed (secrets, URLs that may hold a password).
    public let isSecret: Bool
    /// Whether it takes several values: a repeated flag, a comma-separated variable, a list in a file.
    public let isList: Bool

    /// Creates a key.
    public init(_ name: String, flag: String? = nil, summary: String, default defaultText: String? = nil, isSecret: Bool = false, isList: Bool = false) {
        self.name = name
        self.flag = flag ?? name
        self.summary = summary
        self.defaultText = defaultText
        self.isSecret = isSecret
        self.isList = isList
    }

    /// The environment variable: `CHORUS_` and the name in upper case, dashes as underscores.
    public var variable: String {
        "CHORUS_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The `--help` text: the summary, then the variable and the default.
    public var help: String {
        var where_ = variable
        if isList { where_ += ", comma-separated" }
        if let defaultText { where_ += ", default \(defaultText)" }
        if isSecret { where_ += "; or \(variable)_FILE, a file holding it" }
        return "\(summary) [\(where_)]"
    }
}
