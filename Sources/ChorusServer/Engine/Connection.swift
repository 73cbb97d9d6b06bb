import ChorusCore
import NIOCore

/// One SSE connection as the Hub sees it: what it subscribed to, who it is, and the writer that
/// puts its frames on its socket.
final class Connection: Sendable {
    /// Unique within the node.
    let id: Int
    let subscription: Subscription
    /// Used on the connection's event loop only; the box checks it.
    let writer: NIOLoopBoundBox<StreamWriter>
    /// This connection's id in the cluster-wide presence list.
    let presenceID: String
    /// Whether the client asked for `join`/`leave` events (`presence=1`).
    let wantsPresence: Bool
    /// The Hub's index of the connection's event loop (see ``Hub``).
    let loopSlot: Int
    /// The tabs a shared stream carries (`shared=1`), `nil` for a normal stream.
    let shared: SharedTabs?
    /// The inbox of the connection's event loop, through which its close goes (after the
    /// deliveries queued before it); `nil` outside a Hub.
    let inbox: LoopInbox?

    init(
        id: Int, presenceID: String, subscription: Subscription, wantsPresence: Bool, writer: NIOLoopBoundBox<StreamWriter>, loopSlot: Int,
        shared: SharedTabs? = nil, inbox: LoopInbox? = nil
    ) {
        self.shared = shared
        self.id = id
        self.presenceID = presenceID
        self.wantsPresence = wantsPresence
        self.subscription = subscription
        self.writer = writer
        self.loopSlot = loopSlot
        self.inbox = inbox
    }

    var info: ConnectionInfo { subscription.info }

    /// One presence entry per scope (a shared stream: per scope and tab).
    func presenceEntries(nodeID: String) -> [PresenceEntry] {
        if let shared { return SharedTabs.presenceEntries(of: shared.tabs, on: self, nodeID: nodeID) }
        return subscription.scopes.sorted().map { scope in
            PresenceEntry(scope: scope, connectionID: presenceID, userID: info.userID, sessionID: info.sessionID, nodeID: nodeID, connectedAt: info.connectedAt)
        }
    }

    /// Ends the stream in an orderly way (a close event is written if the reason has one), after
    /// the events already queued for its event loop.
    func close(_ reason: CloseReason) {
        if let inbox {
            inbox.close(self, reason)
        } else {
            writer.close(reason)
        }
    }
}
