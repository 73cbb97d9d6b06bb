import Synchronization

/// Whether a subscription really delivers: the node publishes `p <token> <nonce>` on the channel
/// every probe interval, and the subscriber reports each of its own probes that comes back.
///
/// A probe counts as sent once the command connection accepted it; one that certainly was not
/// published is forgotten, so a command connection that is down does not make a healthy
/// subscription look dead. A probe
/// that does not come back within the probe timeout means the subscription is dead even if its
/// socket looks fine (a frozen server, a proxy that dropped the stream).
final class ProbeTracker: Sendable {
    private struct State {
        var subscribed = false
        var nextNonce: UInt64 = 1
        var outstanding: [(nonce: UInt64, sentAt: ContinuousClock.Instant)] = []
        var lastSeen: ContinuousClock.Instant?
    }

    /// Random per subscriber, so probes from other nodes (and other runs) are told apart.
    let token: String
    private let state = Mutex(State())

    init() {
        var generator = SystemRandomNumberGenerator()
        token = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    /// A new subscription is confirmed (`true`), or the subscription is gone (`false`). Either way
    /// probes sent before no longer count.
    func setSubscribed(_ subscribed: Bool) {
        state.withLock { state in
            state.subscribed = subscribed
            state.outstanding = []
            state.lastSeen = nil
        }
    }

    /// Records a probe about to be sent and returns its nonce.
    func send(at now: ContinuousClock.Instant = .now) -> UInt64 {
        state.withLock { state in
            let nonce = state.nextNonce
            state.nextNonce += 1
            state.outstanding.append((nonce, now))
            return nonce
        }
    }

    /// A probe could not be sent; it does not count.
    func failed(_ nonce: UInt64) {
        state.withLock { $0.outstanding.removeAll { $0.nonce == nonce } }
    }

    /// One of this subscriber's probes came back (and with it, every earlier one). Returns its
    /// round trip, if it was still outstanding.
    @discardableResult
    func seen(_ nonce: UInt64, at now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in
            let sentAt = state.outstanding.first { $0.nonce == nonce }?.sentAt
            state.outstanding.removeAll { $0.nonce <= nonce }
            state.lastSeen = now
            return sentAt.map { $0.duration(to: now) }
        }
    }

    /// How long the oldest unanswered probe has been out, if longer than `timeout`.
    func overdue(timeout: Duration, at now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLock { state in
            guard let oldest = state.outstanding.first?.sentAt else { return nil }
            let age = oldest.duration(to: now)
            return age > timeout ? age : nil
        }
    }

    /// Subscribed, and a probe came back within `timeout`.
    func isLive(timeout: Duration, at now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard state.subscribed, let lastSeen = state.lastSeen else { return false }
            return lastSeen.duration(to: now) < timeout
        }
    }
}
