import Logging
import Synchronization

/// A node's drain: what it does between SIGTERM and exiting, so a rolling deploy does not make all
/// of its clients reconnect to the other nodes in the same second.
///
/// 1. ``begin()``: `/readyz` answers `503` (draining) and new `/events` requests get `503` with
///    `Retry-After`; everything else (open streams, publishes, presence) goes on as before.
/// 2. For ``NodeConfiguration/drainDelay`` nothing more happens, so load balancers see the node
///    not ready and stop sending it new streams.
/// 3. Over ``NodeConfiguration/drainWindow`` its streams are closed one after the other, evenly
///    spread, each with the close event `{"reason":"shutdown","reconnect":true}`: their clients
///    reconnect (to the other nodes, with `Last-Event-ID`) at an even rate.
///
/// ``NodeService`` runs it on the first SIGTERM and cuts it short on a second one.
public final class NodeDrain: Sendable {
    private let hub: Hub
    private let delay: Duration
    private let window: Duration
    private let logger: Logger
    private let draining = Atomic<Bool>(false)

    /// Creates the drain of `hub`'s streams.
    public init(hub: Hub, delay: Duration, window: Duration, logger: Logger = Logger(label: "chorus")) {
        self.hub = hub
        self.delay = max(delay, .zero)
        self.window = max(window, .zero)
        self.logger = logger
    }

    /// Whether the node is draining: not ready, and refusing new streams.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// How long a whole drain takes at most: the delay and the window.
    public var duration: Duration { delay + window }

    /// Marks the node as draining. Returns `false` if it already was.
    @discardableResult
    public func begin() -> Bool {
        !draining.exchange(true, ordering: .relaxed)
    }

    /// Drains: ``begin()``, waits ``NodeConfiguration/drainDelay``, then closes the streams spread
    /// over ``NodeConfiguration/drainWindow``; returns once every stream open at the end of the
    /// delay has been closed. When the task is cancelled it returns early, leaving the remaining
    /// streams open (``closeRemaining()`` ends them at once).
    public func run() async {
        begin()
        logger.notice("draining: not ready; closing \(hub.connectionCount) streams over \(window) after \(delay)")
        do {
            try await Task.sleep(for: delay)
        } catch {
            return
        }
        let start = ContinuousClock.now
        let connections = hub.openConnections()
        var closed = 0
        while closed < connections.count {
            let elapsed = ContinuousClock.now - start
            // The i-th stream (from 1) is due at window × i / count: evenly spaced, the last at
            // the window's end.
            let due = window > .zero ? min(connections.count, Int((Double(connections.count) * (elapsed / window)).rounded(.down))) : connections.count
            while closed < due {
                connections[closed].close(.shutdown)
                closed += 1
            }
            guard closed < connections.count else { break }
            let next = window * (Double(closed + 1) / Double(connections.count))
            do {
                try await Task.sleep(until: start + max(next, elapsed + .milliseconds(5)), clock: .continuous)
            } catch {
                return
            }
        }
        logger.notice("drained: closed \(connections.count) streams")
    }

    /// Ends every stream at once (a second stop signal: the operator does not want to wait).
    public func closeRemaining() {
        begin()
        logger.notice("stopping at once: closing the remaining \(hub.connectionCount) streams")
        hub.closeAll()
    }
}
