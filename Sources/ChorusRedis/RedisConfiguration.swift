import ChorusCore

/// How a ``RedisBus`` connects, names its keys, and watches its connections.
public struct RedisConfiguration: Sendable {
    /// The key prefix when none is given.
    public static let defaultKeyPrefix = "chorus"

    /// The Redis server.
    public var url: RedisURL
    /// The prefix of every key and channel, so several deployments can share one Redis:
    /// events go on `<prefix>:events`, the history is the stream `<prefix>:history`.
    public var keyPrefix: String
    /// How many events the history keeps for replay, at least. Trimming happens in small steps
    /// (at most 1% or 100 events over), so the stream may briefly hold a few more.
    public var historyCapacity: Int
    /// How long connecting (TCP connect) may take before the attempt fails.
    public var connectTimeout: Duration
    /// How long one command (or one pipelined batch's reply) may take before the connection is
    /// considered broken.
    public var commandTimeout: Duration
    /// How often the bus sends itself a probe over the channel to check the subscription.
    public var probeInterval: Duration
    /// How long a probe may take to come back before the subscription is considered dead and is
    /// reconnected.
    public var probeTimeout: Duration
    /// The first delay before reconnecting; it doubles with each failure (with jitter).
    public var initialBackoff: Duration
    /// The longest delay between reconnection attempts.
    public var maximumBackoff: Duration
    /// This node's name, shown in presence entries.
    public var nodeName: String
    /// How long a node's liveness key lives without a refresh: a node killed without warning
    /// vanishes from presence listings within this time.
    public var livenessTTL: Duration
    /// How often a running node refreshes its liveness key and removes the presence entries of
    /// dead nodes (publishing their `leave` events): within `livenessTTL + livenessInterval`.
    public var livenessInterval: Duration
    /// How long an idempotency key of a publish is remembered (with the ids it got): a publish
    /// retried with the same key within this time publishes nothing and gets the original ids.
    public var idempotencyWindow: Duration
    /// How many replicas must confirm a publish (`WAIT n timeout` after the publish script)
    /// before it counts as accepted; 0 does not wait. A publish that fewer replicas confirm
    /// within half the command timeout fails with ``BusError/Code/outcomeUnknown``: the events are
    /// on the primary (and delivered), but a failover now could lose them.
    public var replicasAck: Int
    /// Told about reconnections and probes (the node's metrics); `nil` tells no one.
    public var observer: (any BusObserver)?
    /// How a `rediss://` URL's connections are secured: the CA to trust, the client certificate.
    public var tls: RedisTLS

    /// Creates a configuration; everything but the URL has a default.
    public init(
        url: RedisURL,
        keyPrefix: String = RedisConfiguration.defaultKeyPrefix,
        historyCapacity: Int = BusDefaults.historyCapacity,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(2),
        probeInterval: Duration = .seconds(1),
        probeTimeout: Duration = .seconds(3),
        initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(5),
        nodeName: String = "node",
        livenessTTL: Duration = .seconds(10),
        livenessInterval: Duration = .seconds(2),
        idempotencyWindow: Duration = BusDefaults.idempotencyWindow,
        replicasAck: Int = 0,
        observer: (any BusObserver)? = nil,
        tls: RedisTLS = RedisTLS()
    ) {
        self.url = url
        self.keyPrefix = keyPrefix
        self.historyCapacity = historyCapacity
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.nodeName = nodeName
        self.livenessTTL = livenessTTL
        self.livenessInterval = livenessInterval
        self.idempotencyWindow = idempotencyWindow
        self.replicasAck = replicasAck
        self.observer = observer
        self.tls = tls
    }

    /// The pub/sub channel every node of the deployment shares: `<prefix>:events`.
    public var channel: String { "\(keyPrefix):events" }
    /// The stream that holds the history for replay: `<prefix>:history`.
    public var historyKey: String { "\(keyPrefix):history" }
    /// The string key that holds the history's floor (see `HistoryScripts`): `<prefix>:history:floor`.
    var floorKey: String { "\(keyPrefix):history:floor" }

    /// The `KEYS` of the history scripts: the stream and its floor.
    var historyScriptKeys: [[UInt8]] { [Array(historyKey.utf8), Array(floorKey.utf8)] }

    /// The key that remembers a publish's idempotency key: `<prefix>:idem:<key>`.
    func idempotencyKey(_ key: String) -> String { "\(keyPrefix):idem:\(key)" }

    /// ``idempotencyWindow`` in whole milliseconds, at least 1 (what `SET … PX` takes).
    var idempotencyWindowMilliseconds: Int64 {
        let (seconds, attoseconds) = idempotencyWindow.components
        return max(1, seconds.multipliedReportingOverflow(by: 1000).partialValue + attoseconds / 1_000_000_000_000_000)
    }

    /// A small key written (with a short expiry) to check that Redis accepts writes again after
    /// running out of memory: `<prefix>:write-check`.
    var writeCheckKey: String { "\(keyPrefix):write-check" }

    /// The liveness key of a bus instance: `<prefix>:node:<instance>`.
    func livenessKey(_ instance: String) -> String { "\(keyPrefix):node:\(instance)" }
    /// The set of instances that may hold presence entries.
    var presenceNodesKey: String { "\(keyPrefix):presence:nodes" }
    /// The hash of one instance's presence entries.
    func presenceNodeKey(_ instance: String) -> String { "\(keyPrefix):presence:node:\(instance)" }
    /// The hash of one scope's presence entries.
    func presenceScopeKey(_ scope: String) -> String { "\(keyPrefix):presence:scope:\(scope)" }

    /// `PUBLISH <channel> <payload>`.
    func publishCommand(_ payload: [UInt8]) -> RedisCommand {
        .plain([Array("PUBLISH".utf8), Array(channel.utf8), payload])
    }

    /// How far over capacity the history may grow before the publish script trims it.
    var trimSlack: Int { max(1, min(historyCapacity / 100, 100)) }
}
