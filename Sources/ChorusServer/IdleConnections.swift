import DequeModule
import NIOCore
import Synchronization

/// The node's connections that are waiting for a request head — new ones, and kept-alive ones
/// between requests — with a cap: when one more starts waiting and the cap is reached, the one
/// that has waited longest is closed.
///
/// Idle and half-sent connections cost a file descriptor each and nothing else a client pays for,
/// so without a cap a slowloris client can use up the node's descriptors before any timeout runs
/// (and at the limit the node cannot even answer its health check). Streams and requests being
/// answered are not counted: they are bounded by `maximumConnections` and the head timeout.
final class IdleConnections: Sendable {
    private struct Waiting {
        let order: UInt64
        let channel: any Channel
    }

    private struct State {
        var waiting: [ObjectIdentifier: Waiting] = [:]
        /// Arrival order, oldest first; entries no longer in `waiting` (or re-queued later) are
        /// skipped when met, and the queue is rebuilt when they pile up.
        var order: Deque<(UInt64, ObjectIdentifier)> = []
        var next: UInt64 = 0
    }

    /// The most connections that may wait at once.
    let maximum: Int
    private let state = Mutex(State())

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// How many connections are waiting for a request head.
    var count: Int { state.withLock { $0.waiting.count } }

    /// `channel` waits for a request head. Closes the longest-waiting other connection if that
    /// makes too many.
    func startWaiting(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let evicted: (any Channel)? = state.withLock { state in
            state.next += 1
            state.waiting[key] = Waiting(order: state.next, channel: channel)
            state.order.append((state.next, key))
            var victim: (any Channel)?
            if state.waiting.count > maximum {
                while let (order, oldest) = state.order.popFirst() {
                    guard let entry = state.waiting[oldest], entry.order == order, oldest != key else { continue }
                    state.waiting.removeValue(forKey: oldest)
                    victim = entry.channel
                    break
                }
            }
            if state.order.count > 2 * state.waiting.count + 64 {
                state.order = Deque(state.waiting.map { ($0.value.order, $0.key) }.sorted { $0.0 < $1.0 })
            }
            return victim
        }
        evicted?.close(promise: nil)
    }

    /// `channel` is no longer waiting (a request head arrived, or it closed).
    func stopWaiting(_ channel: any Channel) {
        _ = state.withLock { $0.waiting.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}
