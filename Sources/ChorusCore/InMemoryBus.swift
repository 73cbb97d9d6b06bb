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

    /// Creates a bus that keeps the last `historyCapacity` events for replay.
    ///
    /// The history answers only for ids from this bus's start on: a client that comes back with an
    /// id from before (say, from before a restart) gets an incomplete replay and so a reset.
    public init(historyCapacity: Int = 10_000, now: @escaping @Sendable () -> UInt64 = wallClockMilliseconds) {
        let start = EventID(milliseconds: now(), sequence: 0)
        self.state = Mutex(State(ids: EventIDGenerator(after: start), history: HistoryRing(capacity: historyCapacity, floor: start)))
        self.now = now
    }

    public var isReady: Bool { true }

    public func publish(_ envelopes: [Envelope]) async throws(BusError) -> [EventID] {
        let millis = now()
        return state.withLock { state in
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
