import ChorusCore

/// One SSE connection as the Hub sees it: what it subscribed to, who it is, its queue, and a way to
/// cut it off.
final class Connection: Sendable {
    /// Unique within the node.
    let id: Int
    let subscription: Subscription
    let queue: ConnectionQueue
    /// Closes the underlying socket at once (for a client too slow to drain its queue).
    private let abortChannel: @Sendable () -> Void

    init(id: Int, subscription: Subscription, queueCapacity: Int, abort: @escaping @Sendable () -> Void) {
        self.id = id
        self.subscription = subscription
        self.queue = ConnectionQueue(capacity: queueCapacity)
        self.abortChannel = abort
    }

    var info: ConnectionInfo { subscription.info }

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
