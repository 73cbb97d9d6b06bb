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
    /// A client must send a complete request head within this long of connecting, or of its
    /// previous response ending on a kept-alive connection; otherwise the connection is closed.
    /// Open streams are not affected. This is what stops slowloris clients.
    public var requestHeadTimeout: Duration
    /// The most connections that may wait for a request head at once (new ones, and kept-alive ones
    /// between requests). When one more arrives, the one that has waited longest is closed, so
    /// idle or half-sent connections can never use up the file descriptors that streams, health
    /// checks and publishes need.
    public var maximumIdleConnections: Int
    /// Browser origins (`https://app.example.com`) whose pages may use the node from another
    /// origin: read streams and publish and use the control endpoints (CORS headers and
    /// preflights, see ``CrossOriginResourceSharing``), besides the node's own origin. `*` allows
    /// every origin, without credentials (cookies): pages that send them, as chorus.js does, must
    /// be listed. State-changing requests from any other site are refused with
    /// `403 cross-site-request`; empty, no CORS header is ever sent.
    public var allowedOrigins: [String]
    /// The most bytes one connection's presence entries may take in the bus (roughly: per scope,
    /// the scope, user and session ids and ~100 bytes). A stream that would record more is refused
    /// with `400 presence-too-large`: many long scopes must not fill Redis.
    public var maximumPresenceBytes: Int
    /// Whether subscribers without a token are recorded in presence. Off, anonymous streams still
    /// work (and may ask for join/leave events) but are not listed and not announced.
    public var anonymousPresence: Bool
    /// The kernel send buffer of each stream's socket (`SO_SNDBUF`, which Linux doubles), in bytes;
    /// `nil` keeps the kernel's autotuning (up to `tcp_wmem`'s maximum, 4 MiB by default). A small
    /// cap bounds what a client that stopped reading can hold in kernel memory before it is cut off.
    public var streamSendBufferBytes: Int?
    /// Whether the node records Prometheus metrics and serves `GET /metrics`.
    public var metricsEnabled: Bool
    /// Where `GET /metrics` is served: its own listener at this address (so the series need not be
    /// public), or the main port when `nil`.
    public var metricsAddress: ListenAddress?
    /// On SIGTERM (see ``NodeService``) the node answers `/readyz` with `503` at once and keeps
    /// serving for this long, so load balancers stop sending it new streams, before it closes any.
    public var drainDelay: Duration
    /// After ``drainDelay`` the node closes its streams spread evenly over this long (each with a
    /// close event asking the client to reconnect), so their clients do not all reconnect to the
    /// other nodes in the same second; then it exits. Zero closes them all at once.
    public var drainWindow: Duration
    /// Streams older than this are ended (a little later each, up to a tenth more, so streams
    /// opened together do not end together) with a close event asking the client to reconnect:
    /// connections rebalance over the nodes after a scale-out. `nil`: streams never age out.
    public var maximumStreamAge: Duration?

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
        auth: AuthConfiguration = .init(),
        requestHeadTimeout: Duration = .seconds(10),
        maximumIdleConnections: Int = 1024,
        allowedOrigins: [String] = [],
        maximumPresenceBytes: Int = 8192,
        anonymousPresence: Bool = true,
        streamSendBufferBytes: Int? = 65536,
        metricsEnabled: Bool = true,
        metricsAddress: ListenAddress? = nil,
        drainDelay: Duration = .seconds(5),
        drainWindow: Duration = .seconds(10),
        maximumStreamAge: Duration? = nil
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
        self.requestHeadTimeout = requestHeadTimeout
        self.maximumIdleConnections = maximumIdleConnections
        self.allowedOrigins = allowedOrigins
        self.maximumPresenceBytes = maximumPresenceBytes
        self.anonymousPresence = anonymousPresence
        self.streamSendBufferBytes = streamSendBufferBytes
        self.metricsEnabled = metricsEnabled
        self.metricsAddress = metricsAddress
        self.drainDelay = drainDelay
        self.drainWindow = drainWindow
        self.maximumStreamAge = maximumStreamAge
    }
}
