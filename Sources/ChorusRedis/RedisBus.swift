import ChorusCore
import Logging
import Synchronization

/// The clustered bus: every node publishes to and subscribes to one Redis channel, and a Redis
/// stream keeps the history for replay.
///
/// ## I/O model: dedicated threads over hiredis' blocking API
///
/// Each bus owns one *command connection* (publishes, history reads, probes) and each
/// `run(delivering:)` one *subscriber connection*, and each connection has a thread of its own
/// that uses hiredis' synchronous API. Why not SwiftNIO or async code:
/// - hiredis' blocking API is small and proven; nothing here is re-implemented.
/// - A blocking call never runs on a NIO event loop or in the Swift concurrency pool, so a slow
///   or frozen Redis cannot stall request handling. Async callers only enqueue work and await a
///   continuation that the thread resumes.
/// - Pipelining gives the throughput: the command thread sends everything queued in one batch
///   (`redisAppendCommandArgv` for each, then `redisGetReply` for each), so load turns into
///   batches rather than one round trip per event.
/// - A thread per connection is cheap with two connections per node.
/// - Shutdown wakes a thread blocked in `redisGetReply` or `poll` with `shutdown(fd, SHUT_RDWR)`.
///
/// ## Publishing
///
/// One Lua script (``HistoryScripts``) appends each event to the history stream (`XADD`, whose
/// entry id becomes the event id) and publishes `e <id> <json>` on the channel, atomically, so the
/// channel order is the id order on every node. The envelopes of one `publish` call go to one
/// script call, so their ids are contiguous. The error of a failed publish says what happened
/// (see ``BusError``): ``BusError/Code/unavailable`` — refused before sending (Redis unreachable,
/// or out of memory), nothing published; ``BusError/Code/outcomeUnknown`` — the connection broke
/// or timed out after the script was sent, so the events may or may not be in Redis;
/// ``BusError/Code/backend`` — Redis answered with an error, nothing published (the script
/// fails before its first write or not at all).
///
/// ## Subscribing, faults and liveness
///
/// See ``RedisSubscriber``: reconnection with capped exponential backoff and jitter, gap filling
/// from the history (or ``BusMessage/gap``), and a probe the node sends itself over the channel
/// every `probeInterval`, so ``isReady`` reflects whether the subscription actually delivers.
///
/// ## Presence
///
/// See ``RedisPresence`` and ``PresenceScripts``: entries keyed by node instance, a liveness key
/// with a TTL that the running node refreshes, and reaping of dead nodes' entries.
public final class RedisBus: Bus {
    let configuration: RedisConfiguration
    let logger: Logger
    let pipeline: RedisPipeline
    private let history: RedisHistory
    private let presenceStore: RedisPresence
    private let subscribers = Mutex<[ObjectIdentifier: RedisSubscriber]>([:])
    private let sentinelWatcher: SentinelWatcher?

    /// Creates the bus and starts connecting in the background. Publishing right away waits for
    /// that first attempt; `run(delivering:)` subscribes.
    ///
    /// - Precondition: `configuration.historyCapacity > 0` and the key prefix is not empty.
    public init(configuration: RedisConfiguration, logger: Logger = Logger(label: "chorus.redis")) {
        precondition(configuration.historyCapacity > 0, "the history capacity must be positive")
        precondition(!configuration.keyPrefix.isEmpty, "the redis key prefix must not be empty")
        self.configuration = configuration
        self.logger = logger
        pipeline = RedisPipeline(configuration: configuration, logger: logger)
        history = RedisHistory(pipeline: pipeline, configuration: configuration, logger: logger)
        presenceStore = RedisPresence(configuration: configuration, pipeline: pipeline, logger: logger) { [pipeline] in
            pipeline.setOutOfMemory(true)
        }
        sentinelWatcher = SentinelWatcher(configuration: configuration, logger: logger)
        pipeline.start()
        sentinelWatcher?.start { [weak self] _ in self?.followFailover() }
    }

    deinit {
        sentinelWatcher?.stop()
        pipeline.stop()
    }

    /// The Sentinels moved the primary: every connection reconnects (through the Sentinels) now,
    /// rather than when the old primary is demoted.
    private func followFailover() {
        pipeline.reconnect()
        for subscriber in subscribers.withLock({ Array($0.values) }) { subscriber.reconnect() }
    }

    /// Ready when the command connection is up, Redis accepts writes (it is not out of memory),
    /// and every running subscription is subscribed and got its own probe back within
    /// `probeTimeout`. `false` while nothing runs `run(delivering:)`.
    public var isReady: Bool {
        let subscribers = subscribers.withLock { Array($0.values) }
        return !subscribers.isEmpty && pipeline.isConnected && !pipeline.isOutOfMemory && subscribers.allSatisfy(\.isLive)
    }

    /// Redis answered a write with `OOM`: not ready until a write succeeds (``watchMemory()``).
    func noteOutOfMemory() {
        if !pipeline.isOutOfMemory {
            logger.warning("redis is out of memory and refuses writes; publishing is refused and the node is not ready until it recovers", metadata: ["chorus.redis": "\(configuration.url)"])
        }
        pipeline.setOutOfMemory(true)
    }

    /// Publishes the envelopes with one script call: they get contiguous ids, in order. An
    /// idempotency key is checked and remembered (for ``RedisConfiguration/idempotencyWindow``)
    /// inside the same script, as `<prefix>:idem:<key>`.
    public func publish(_ envelopes: [Envelope], idempotencyKey: String?) async throws(BusError) -> [EventID] {
        guard !envelopes.isEmpty else { return [] }
        var arguments: [[UInt8]] = [
            Array(configuration.channel.utf8),
            Array(String(configuration.historyCapacity).utf8),
            Array(String(configuration.trimSlack).utf8),
            Array(String(configuration.idempotencyWindowMilliseconds).utf8),
        ]
        arguments.reserveCapacity(4 + envelopes.count)
        for envelope in envelopes { arguments.append(WireFormat.encode(envelope)) }
        var keys = configuration.historyScriptKeys
        if let idempotencyKey { keys.append(Array(configuration.idempotencyKey(idempotencyKey).utf8)) }
        let script = RedisCommand.script(HistoryScripts.publish, keys: keys, arguments: arguments)
        let reply: RedisReply
        if configuration.replicasAck > 0 {
            // WAIT right behind the script on the same connection: it counts the replicas that
            // have every write made so far on that connection, the script's included.
            let timeout = max(1, configuration.commandTimeout / .milliseconds(2))
            let results = await pipeline.execute(all: [script, .plain(["WAIT", String(configuration.replicasAck), String(Int(timeout))].map(RedisConnection.bytes))])
            reply = try results[0].get()
            if reply.errorMessage == nil {
                try confirmReplicated(results[1], timeoutMilliseconds: Int(timeout))
            }
        } else {
            reply = try await pipeline.execute(script)
        }
        if let message = reply.errorMessage {
            if message.hasPrefix("CHORUSKEYREUSED") {
                throw BusError(.idempotencyKeyReused, "the idempotency key \(idempotencyKey ?? "") was used for different events within the idempotency window; nothing was published")
            }
            // The script refused before its first write (Redis checks memory only then).
            if RedisRefusal.isOutOfMemory(message) { noteOutOfMemory() }
            throw RedisRefusal.error(message, doing: "the publish")
        }
        let ids = (reply.array ?? []).compactMap { $0.text.flatMap(EventID.init) }
        guard ids.count == envelopes.count else {
            throw BusError(.backend, "unexpected reply from the publish script: \(reply)")
        }
        return ids
    }

    /// Throws unless `WAIT` says enough replicas hold the publish.
    private func confirmReplicated(_ result: Result<RedisReply, BusError>, timeoutMilliseconds: Int) throws(BusError) {
        let wanted = configuration.replicasAck
        switch result {
        case .success(let reply):
            if let count = reply.integer, count >= wanted { return }
            let got = reply.integer.map { "only \($0) of \(wanted) replicas" } ?? "no replica count (\(reply))"
            throw BusError(.outcomeUnknown, "the events were published on the primary but \(got) confirmed them within \(timeoutMilliseconds) ms; a failover now could lose them")
        case .failure(let error):
            throw BusError(.outcomeUnknown, "the events were published on the primary but their replication could not be confirmed: \(error.message)")
        }
    }

    /// Publishes a control message on the channel (it has no id and no history).
    public func publish(_ control: ControlMessage) async throws(BusError) {
        let payload = ChannelMessage.control(json: WireFormat.encode(control)).payload
        let reply = try await pipeline.execute(configuration.publishCommand(payload))
        if let message = reply.errorMessage {
            throw RedisRefusal.error(message, doing: "the control message")
        }
    }

    /// At most `limit` events of the history after `id`; incomplete exactly when some event after
    /// `id` is gone, or `id` is newer than every event (see ``HistoryScripts`` for the rule).
    public func replay(after id: EventID, limit: Int) async throws(BusError) -> Replay {
        try await history.replay(after: id, limit: limit)
    }

    /// The newest entry of the history stream (`XREVRANGE … COUNT 1`): a replay after it is
    /// complete, since the floor is never above the newest entry. `nil` while there is no stream:
    /// no id is safe then, as the first publish makes its own id the floor.
    public func position() async throws(BusError) -> EventID? {
        try await history.lastID()
    }

    /// Stores the entries (see ``PresenceScripts``) and publishes a join for each new one.
    public func addPresence(_ entries: [PresenceEntry]) async throws(BusError) {
        try await presenceStore.add(entries)
    }

    /// Removes the entries and publishes a leave for each one that was there.
    public func removePresence(_ entries: [PresenceEntry]) async throws(BusError) {
        try await presenceStore.remove(entries)
    }

    /// The entries in `scope` on every node whose liveness key is alive.
    public func presence(in scope: String) async throws(BusError) -> [PresenceEntry] {
        try await presenceStore.list(scope)
    }

    /// Subscribes on a thread of its own and delivers to `receiver` until the task is cancelled,
    /// reconnecting and filling gaps by itself. Meanwhile keeps this node's liveness key fresh and
    /// removes dead nodes' presence entries. Returns after the thread has stopped.
    public func run(delivering receiver: some BusReceiver) async throws {
        let subscriber = RedisSubscriber(configuration: configuration, pipeline: pipeline, history: history, receiver: receiver, logger: logger)
        let key = ObjectIdentifier(subscriber)
        subscribers.withLock { $0[key] = subscriber }
        defer { _ = subscribers.withLock { $0.removeValue(forKey: key) } }
        let presence = presenceStore
        await withDiscardingTaskGroup { group in
            group.addTask { await presence.maintain() }
            group.addTask { await self.watchMemory() }
            await withTaskCancellationHandler {
                await subscriber.run()
            } onCancel: {
                subscriber.stop()
            }
            group.cancelAll()
        }
    }
}
