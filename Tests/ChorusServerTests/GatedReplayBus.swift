import ChorusCore
import Synchronization

/// An in-memory bus whose replays wait until the test lets them go, so a test can publish while a
/// stream is registered but has not started writing yet (the window the writer's queue covers).
final class GatedReplayBus: Bus {
    /// When the replay reads the history: before it waits (so events published while it waits are
    /// not in it and must come from the live queue) or after (so they are, and the live copies must
    /// be dropped).
    enum HistoryRead: Sendable { case beforeGate, afterGate }

    private struct State {
        var waiting = 0
        var open = false
        var continuations: [CheckedContinuation<Void, Never>] = []
    }

    private let inner: InMemoryBus
    private let historyRead: HistoryRead
    private let state = Mutex(State())

    init(_ inner: InMemoryBus, historyRead: HistoryRead) {
        self.inner = inner
        self.historyRead = historyRead
    }

    /// How many replays are waiting for ``open()``.
    var waitingReplays: Int { state.withLock { $0.waiting } }

    /// Lets every waiting and future replay go.
    func open() {
        let continuations = state.withLock { state in
            state.open = true
            defer { state.continuations = [] }
            return state.continuations
        }
        for continuation in continuations { continuation.resume() }
    }

    func replay(after id: EventID, limit: Int) async throws(BusError) -> Replay {
        let early = historyRead == .beforeGate ? try await inner.replay(after: id, limit: limit) : nil
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state in
                if state.open { return true }
                state.waiting += 1
                state.continuations.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
        if let early { return early }
        return try await inner.replay(after: id, limit: limit)
    }

    func publish(_ envelopes: [Envelope], idempotencyKey: String?) async throws(BusError) -> [EventID] { try await inner.publish(envelopes, idempotencyKey: idempotencyKey) }
    func position() async throws(BusError) -> EventID? { try await inner.position() }
    func publish(_ control: ControlMessage) async throws(BusError) { try await inner.publish(control) }
    func run(delivering receiver: some BusReceiver) async throws { try await inner.run(delivering: receiver) }
    func addPresence(_ entries: [PresenceEntry]) async throws(BusError) { try await inner.addPresence(entries) }
    func removePresence(_ entries: [PresenceEntry]) async throws(BusError) { try await inner.removePresence(entries) }
    func presence(in scope: String) async throws(BusError) -> [PresenceEntry] { try await inner.presence(in: scope) }
    var isReady: Bool { inner.isReady }
}
