import Synchronization

/// What the probe clients saw, counted on their event loop; the driver waits for a count to reach
/// a target without polling (polling would allocate, and be counted).
final class ProbeTally: Sendable {
    enum Kind: Int, CaseIterable, Sendable {
        /// SSE streams whose `retry:` line arrived.
        case opened
        /// `data:` lines of SSE events, over every stream.
        case delivered
        /// `2xx` answers to publish requests.
        case accepted
    }

    private struct Waiter {
        var kind: Kind
        var target: Int
        var continuation: UnsafeContinuation<Void, Never>
    }

    private struct State {
        var counts = [Int](repeating: 0, count: Kind.allCases.count)
        var failure: String?
        var waiter: Waiter?
    }

    private let state = Mutex(State())
    private let closing = Atomic<Bool>(false)

    /// Whether streams are being closed on purpose (their end is then no failure).
    var closingStreams: Bool {
        get { closing.load(ordering: .relaxed) }
        set { closing.store(newValue, ordering: .relaxed) }
    }

    /// The count of `kind` so far.
    func count(_ kind: Kind) -> Int {
        state.withLock { $0.counts[kind.rawValue] }
    }

    /// Adds `amount` to `kind`, waking the driver if that reaches its target.
    func add(_ kind: Kind, _ amount: Int = 1) {
        let ready = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.counts[kind.rawValue] += amount
            guard let waiter = state.waiter, waiter.kind == kind, state.counts[kind.rawValue] >= waiter.target else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        ready?.resume()
    }

    /// Records that something went wrong (an error status, a stream that ended); wakes the driver.
    func fail(_ reason: String) {
        let waiting = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            if state.failure == nil { state.failure = reason }
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiting?.resume()
    }

    /// Returns once `kind` has reached `target`; throws if a client failed meanwhile.
    func wait(until kind: Kind, reaches target: Int) async throws(ProbeError) {
        let done = state.withLock { $0.counts[kind.rawValue] >= target || $0.failure != nil }
        if !done {
            await withUnsafeContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    guard state.counts[kind.rawValue] < target, state.failure == nil else { return true }
                    state.waiter = Waiter(kind: kind, target: target, continuation: continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }
        if let failure = state.withLock({ $0.failure }) { throw ProbeError(failure) }
    }
}
