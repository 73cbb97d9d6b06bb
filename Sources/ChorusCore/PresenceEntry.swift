/// One connection present in one scope, as the cluster-wide presence list shows it.
///
/// A connection subscribed to several scopes has one entry per scope, all with the same
/// ``connectionID``.
public struct PresenceEntry: Sendable, Hashable {
    /// The scope the connection is present in.
    public var scope: String
    /// Unique across the cluster and over time: which connection this is.
    public var connectionID: String
    /// The authenticated user id; `nil` for an anonymous subscriber.
    public var userID: String?
    /// The per-tab session id the client sent, if any.
    public var sessionID: String?
    /// The node that holds the connection.
    public var nodeID: String
    /// When the connection was accepted, in milliseconds since the Unix epoch.
    public var connectedAt: UInt64

    /// Roughly what an entry takes in a bus beyond its scope, user, session and node ids: the
    /// connection id, the time, field names and the backend's own bookkeeping. For bounding what
    /// one connection may store.
    public static let overheadBytes = 100

    /// Creates an entry.
    public init(scope: String, connectionID: String, userID: String? = nil, sessionID: String? = nil, nodeID: String, connectedAt: UInt64) {
        self.scope = scope
        self.connectionID = connectionID
        self.userID = userID
        self.sessionID = sessionID
        self.nodeID = nodeID
        self.connectedAt = connectedAt
    }
}

extension Sequence where Element == PresenceEntry {
    /// How many different authenticated users the entries hold (anonymous ones are not counted).
    public var distinctUserCount: Int {
        Set(compactMap { $0.userID.map(ExactString.init) }).count
    }
}
