/// How a node behaves. A value with defaults; the command line fills it from flags and `CHORUS_*`
/// variables, and nothing below reads the environment itself.
public struct NodeConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on (0 picks a free one).
    public var port: Int
    /// A connection that has had nothing written for this long gets a heartbeat comment, so proxies
    /// and clients can tell an idle stream from a dead one. Silence never exceeds twice this.
    public var heartbeatInterval: Duration
    /// The reconnection delay sent to browsers in the `retry:` line.
    public var retryInterval: Duration
    /// How many frames a connection may fall behind before it is disconnected as too slow: frames
    /// written while its socket is not writable (NIO's buffer over its high watermark), or waiting
    /// while its replay is written. It comes back with `Last-Event-ID` and gets what it missed from
    /// the history.
    public var queueCapacity: Int
    /// The largest accepted publish body, in bytes; larger bodies get `413`.
    public var maximumPublishBytes: Int
    /// The most SSE connections this node holds; more get `503`. Keep it below the process's file
    /// descriptor limit so health checks and publishes still get through at the cap.
    public var maximumConnections: Int
    /// The most scopes one connection may subscribe to.
    public var maximumScopesPerConnection: Int
    /// This node's name in logs and presence.
    public var nodeID: String
    /// Subscriber tokens, anonymous access and publisher keys.
    public var auth: AuthConfiguration

    /// Creates a configuration; every value has a production default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        heartbeatInterval: Duration = .seconds(15),
        retryInterval: Duration = .seconds(2),
        queueCapacity: Int = 1024,
        maximumPublishBytes: Int = 1 << 20,
        maximumConnections: Int = 10_000,
        maximumScopesPerConnection: Int = 64,
        nodeID: String = "node",
        auth: AuthConfiguration = .init()
    ) {
        self.host = host
        self.port = port
        self.heartbeatInterval = heartbeatInterval
        self.retryInterval = retryInterval
        self.queueCapacity = queueCapacity
        self.maximumPublishBytes = maximumPublishBytes
        self.maximumConnections = maximumConnections
        self.maximumScopesPerConnection = maximumScopesPerConnection
        self.nodeID = nodeID
        self.auth = auth
    }
}
