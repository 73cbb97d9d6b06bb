/// Why a connection ended.
public enum CloseReason: String, Sendable, Hashable, CaseIterable {
    /// The client went away.
    case clientGone = "client-gone"
    /// The client read too slowly and its queue overflowed; it should reconnect with `Last-Event-ID`.
    case overflow
    /// The node is shutting down; the client should reconnect (to another node).
    case shutdown
    /// The user's connections were closed on purpose (logout, ban); the client should not reconnect.
    case userClosed = "user-closed"
    /// The token that identified the user expired; the client should come back with a fresh one.
    case tokenExpired = "token-expired"
    /// The history could not be read to finish a replay; the client should come back (to this or
    /// another node) and resume from the last event it got.
    case historyUnavailable = "history-unavailable"
    /// The stream reached the node's maximum stream age; the client should reconnect (the load
    /// balancer may send it to another node), resuming from the last event it got.
    case maxAge = "max-age"

    /// Whether the client is told with a `close` event before the stream ends.
    var sendsCloseEvent: Bool {
        switch self {
        case .shutdown, .userClosed, .tokenExpired, .historyUnavailable, .maxAge: true
        case .clientGone, .overflow: false
        }
    }

    /// Whether the client should come back.
    var reconnect: Bool { self != .userClosed }
}
