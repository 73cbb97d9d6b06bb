import ChorusCore

/// One SSE connection as the Hub sees it: what it subscribed to, who it is, its queue, and a way to
/// cut it off.
final class Connection: Sendable {
    /// Unique within the node.
    let id: Int
    let subscription: Subscription
    let queue: ConnectionQueue
    /// This connection's id in the cluster-wide presence list.
    let presenceID: String
    /// Whether the client asked for `join`/`leave` events (`presence=1`).
    let wantsPresence: Bool
    /// Closes the underlying socket at once (for a client too slow to drain its queue).
    private let abortChannel: @Sendable () -> Void

    init(id: Int, presenceID: String, subscription: Subscription, wantsPresence: Bool, queueCapacity: Int, abort: @escaping @Sendable () -> Void) {
        self.id = id
        self.presenceID = presenceID
        self.wantsPresence = wantsPresence
        self.subscription = subscription
        self.queue = ConnectionQueue(capacity: queueCapacity)
        self.abortChannel = abort
    }

    var info: ConnectionInfo { subscription.info }

    /// One presence entry per scope.
    func presenceEntries(nodeID: String) -> [PresenceEntry] {
        subscription.scopes.sorted().map { scope in
            PresenceEntry(scope: scope, connectionID: presenceID, userID: info.userID, sessionID: info.sessionID, nodeID: nodeID, connectedAt: info.connectedAt)
        }
    }

    /// Ends the stream in an orderly way (a close event is written if the reason has one).
    func close(_ reason: CloseReason) {
        queue.close(reason)
    }

    /// Drops the client now: its queue overflowed, so waiting for it to drain is what must not happen.
    func abort(_ reason: CloseReason) {
        queue.close(reason)
        abortChannel()
    }
}
