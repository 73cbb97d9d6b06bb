/// Where a setting's value came from, in precedence order: a flag wins over a variable, a variable
/// over a secrets directory, that over the configuration file, and that over the default.
public enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    /// A command-line flag (`--heartbeat`).
    case flag(String)
    /// An environment variable (`CHORUS_HEARTBEAT`).
    case environment(String)
    /// A file named by a `…_FILE` variable or a `…-file` key, or a file of the secrets directory.
    case secretFile(path: String)
    /// A key of the configuration file.
    case configurationFile(key: String, path: String)
    /// Nothing set it.
    case defaultValue

    /// How an error message or `--check` names it.
    public var description: String {
        switch self {
        case .flag(let flag): "--\(flag)"
        case .environment(let variable): variable
        case .secretFile(let path): "the file \(path)"
        case .configurationFile(let key, let path): "'\(key)' in \(path)"
        case .defaultValue: "default"
        }
    }
}
