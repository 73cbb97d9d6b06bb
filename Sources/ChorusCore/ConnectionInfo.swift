/// Who a connection belongs to. Identity lives here and nowhere else: the user id comes from a
/// verified token (never from a bare parameter), the session id is the tab id the client sent.
public struct ConnectionInfo: Sendable, Hashable {
    /// The per-tab session id the client sent; events whose `origin` equals it are not echoed back.
    /// Not a secret.
    public var sessionID: String?
    /// The authenticated user id; `nil` for an anonymous subscriber.
    public var userID: String?
    /// When the connection was accepted, in milliseconds since the Unix epoch.
    public var connectedAt: UInt64
    /// When the token that identified the user expires, in milliseconds since the Unix epoch; the
    /// stream is ended then. `nil` for anonymous subscribers.
    public var expiresAt: UInt64?

    /// Creates connection identity.
    public init(sessionID: String? = nil, userID: String? = nil, connectedAt: UInt64 = 0, expiresAt: UInt64? = nil) {
        self.sessionID = sessionID
        self.userID = userID
        self.connectedAt = connectedAt
        self.expiresAt = expiresAt
    }
}

/// What one connection listens to: its scopes and who it is.
public struct Subscription: Sendable, Hashable {
    /// The scopes this connection receives events for.
    public var scopes: Set<String>
    /// Who the connection belongs to.
    public var info: ConnectionInfo

    /// Creates a subscription.
    public init(scopes: Set<String>, info: ConnectionInfo) {
        self.scopes = scopes
        self.info = info
    }
}
