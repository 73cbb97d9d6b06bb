import ChorusCore
import ChorusRedis
import Logging

/// Everything `chorus serve` needs to run a node, read from flags, `CHORUS_*` variables, a
/// secrets directory and a configuration file (in that precedence; see ``NodeSettings/Keys``)
/// and checked: a value that does not parse is an error naming the setting and where it came from.
///
/// ```swift
/// let settings = try await NodeSettings.load(flags: ["port": ["9000"]])
/// let node = settings.makeNode(logger: logger)
/// ```
public struct NodeSettings: Sendable {
    /// How the node behaves.
    public var node: NodeConfiguration
    /// Events kept for replay.
    public var historyCapacity: Int
    /// How long a publish's idempotency key is remembered.
    public var idempotencyWindow: Duration
    /// How to reach Redis; `nil` runs the embedded in-memory bus.
    public var redis: RedisConfiguration?
    /// The subscriber-token secret (the demo signs its users' tokens with it).
    public var tokenSecret: String?
    /// Whether to serve the live-document demo.
    public var demo: Bool
    /// The folder the demo's htmx files come from; `nil` loads them from unpkg.com.
    public var demoAssets: String?
    /// The lowest level logged.
    public var logLevel: Logger.Level
    /// How log lines are written.
    public var logFormat: LogFormat
    /// Every setting's effective value (secrets redacted) and where it came from, for `--check`.
    public var effective: [EffectiveSetting]

    /// The effective configuration as `chorus serve --check` prints it: one line per setting,
    /// secrets shown as `<redacted>`.
    public var report: String {
        let width = effective.map(\.name.count).max() ?? 0
        return effective.map { setting in
            setting.name + String(repeating: " ", count: width - setting.name.count + 2) + setting.value + "  (\(setting.source))"
        }.joined(separator: "\n")
    }

    /// Warnings an operator must see at startup (development mode, limits close to each other).
    public var warnings: [String] {
        var warnings: [String] = []
        if node.auth.isDevelopmentMode {
            warnings.append("""
                ************************************************************************
                NO PUBLISHER KEY CONFIGURED: development mode. POST /publish and the
                control endpoints accept requests from loopback addresses only, without
                a key. Behind a proxy on this machine that means everyone. Set the
                publisher-keys setting for anything but local use.
                ************************************************************************
                """)
        }
        return warnings
    }
}
