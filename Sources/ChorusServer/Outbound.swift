import ChorusCore
import NIOCore

/// Bytes queued for one connection: an encoded event (shared by every connection that gets it) or
/// a comment. The id lets the writer drop what replay already sent.
struct Outbound: Sendable {
    /// The event id, or `nil` for heartbeats and control frames.
    var id: EventID?
    /// The encoded SSE frame. Shared storage: one encoding per node, not per subscriber.
    var bytes: ByteBuffer
}

/// Why a connection ended.
public enum CloseReason: String, Sendable, Hashable {
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

    /// Whether the client is told with a `close` event before the stream ends.
    var sendsCloseEvent: Bool {
        switch self {
        case .shutdown, .userClosed, .tokenExpired: true
        case .clientGone, .overflow: false
        }
    }

    /// Whether the client should come back.
    var reconnect: Bool { self != .userClosed }
}
