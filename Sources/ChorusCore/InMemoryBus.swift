import Synchronization

/// The embedded bus: one process, no Redis. Ids, history and fan-out live in memory.
///
/// Publishing assigns ids and appends to the history under one lock and hands the messages to the
/// receivers before the lock is released, so every receiver sees exactly the history's order even
/// with concurrent publishers. Receivers must not block (the Hub only enqueues).
public final class InMemoryBus: Bus {
    private struct State {
        var ids: EventIDGenerator
        var history: HistoryRing
        var idempotency: IdempotencyMemory
        var receivers: [Int: any BusReceiver] = [:]
        var nextToken = 0
        /// Scope → connection id → entry.
        var presence: [ExactString: [String: PresenceEntry]] = [:]

        func deliver(_ messages: [BusMessage]) {
            guard !messages.isEmpty else { return }
            for receiver in receivers.values { receiver.receive(messages) }
        }
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> UInt64

    /// Creates a bus that keeps the last `historyCapacity` events for replay and remembers
    /// idempotency keys for `idempotencyWindow` (at most `idempotencyCapacity` keys at once; past
    /// that, the oldest are forgotten early).
    ///
    /// The history answers only for ids from this bus's start on: a client that comes back with an
    /// id from before (say, from before a restart) gets an incomplete replay and so a reset.
    public init(
        historyCapacity: Int = BusDefaults.historyCapacity,
        idempotencyWindow: Duration = BusDefaults.idempotencyWindow,
        idempotencyCapacity: Int = 100_000,
        now: @escaping @Sendable () -> UInt64 = wallClockMilliseconds
    ) {
        let start = EventID(milliseconds: now(), sequence: 0)
        let (seconds, attoseconds) = idempotencyWindow.components
        let window = UInt64(clamping: max(0, seconds)) &* 1000 &+ UInt64(clamping: max(0, attoseconds / 1_000_000_000_000_000))
        self.state = Mutex(State(
            ids: EventIDGenerator(after: start),
            history: HistoryRing(capacity: historyCapacity, floor: start),
            idempotency: IdempotencyMemory(window: window, capacity: idempotencyCapacity)
        ))
        self.now = now
    }

    public var isReady: Bool { true }

    /// Publishes under the lock; an idempotency key is looked up and remembered under the same lock.
    public func publish(_ envelopes: [Envelope], idempotencyKey: String?) async throws(BusError) -> [EventID] {
        guard !envelopes.isEmpty else { return [] }
        let millis = now()
        let fingerprint = idempotencyKey.map { _ in IdempotencyMemory.fingerprint(envelopes) }
        return try state.withLock { state throws(BusError) in
            if let idempotencyKey, let fingerprint, let seen = state.idempotency.entry(for: idempotencyKey, now: millis) {
                guard seen.fingerprint == fingerprint else {
                    throw BusError(.idempotencyKeyReused, "the idempotency key \(idempotencyKey) was used for different events within the last \(state.idempotency.window) ms; nothing was published")
                }
                return seen.ids
            }
            var stamped: [BusMessage] = []
            stamped.reserveCapacity(envelopes.count)
            var ids: [EventID] = []
            ids.reserveCapacity(envelopes.count)
            for var envelope in envelopes {
                let id = state.ids.next(nowMilliseconds: millis)
                envelope.id = id
                state.history.append(envelope)
                stamped.append(.event(envelope))
                ids.append(id)
            }
            for receiver in state.receivers.values {
                receiver.receive(stamped)
            }
            if let idempotencyKey, let fingerprint {
                state.idempotency.remember(idempotencyKey, fingerprint: fingerprint, ids: ids, now: millis)
            }
            return ids
        }
    }

    public func publish(_ control: ControlMessage) async throws(BusError) {
        state.withLock { state in
            for receiver in state.receivers.values {
                receiver.receive([.control(control)])
            }
        }
    }

    /// Records the entries and announces the new ones to the receivers, under the same lock.
    public func addPresence(_ entries: [PresenceEntry]) async throws(BusError) {
        state.withLock { state in
            var joins: [BusMessage] = []
            for entry in entries where state.presence[ExactString(entry.scope), default: [:]].updateValue(entry, forKey: entry.connectionID) == nil {
                joins.append(.control(.presenceJoin(entry)))
            }
            state.deliver(joins)
        }
    }

    /// Forgets the entries and announces those that were present.
    public func removePresence(_ entries: [PresenceEntry]) async throws(BusError) {
        state.withLock { state in
            var leaves: [BusMessage] = []
            for entry in entries {
                let scope = ExactString(entry.scope)
                guard let removed = state.presence[scope]?.removeValue(forKey: entry.connectionID) else { continue }
                if state.presence[scope]?.isEmpty == true { state.presence.removeValue(forKey: scope) }
                leaves.append(.control(.presenceLeave(removed)))
            }
            state.deliver(leaves)
        }
    }

    /// The entries in `scope`, oldest connection first. One process: every entry is live.
    public func presence(in scope: String) async throws(BusError) -> [PresenceEntry] {
        let entries = state.withLock { Array(($0.presence[ExactString(scope)] ?? [:]).values) }
        return entries.sorted { ($0.connectedAt, $0.connectionID) < ($1.connectedAt, $1.connectionID) }
    }

    public func replay(after id: EventID, limit: Int) async throws(BusError) -> Replay {
        state.withLock { $0.history.replay(after: id, limit: limit) }
    }

    /// The newest event's id or, before the first event, the history's floor (this bus's start):
    /// ids are only ever issued above it, so a replay after it is complete.
    public func position() async throws(BusError) -> EventID? {
        state.withLock { $0.history.lastID ?? $0.history.floor }
    }

    public func run(delivering receiver: some BusReceiver) async throws {
        let token = state.withLock { state in
            state.nextToken += 1
            state.receivers[state.nextToken] = receiver
            return state.nextToken
        }
        defer { _ = state.withLock { $0.receivers.removeValue(forKey: token) } }
        // Nothing to do but stay registered until cancelled.
        let (never, end) = AsyncStream<Never>.makeStream()
        await withTaskCancellationHandler {
            for await _ in never {}
        } onCancel: {
            end.finish()
        }
    }
}
