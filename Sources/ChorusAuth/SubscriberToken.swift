import ChorusCore

/// What a verified subscriber token says: who the user is, which scopes they may subscribe to,
/// and until when.
public struct SubscriberToken: Sendable, Hashable {
    /// The user id (the JWT `sub` claim).
    public var userID: String
    /// The scope patterns the token allows (the `scopes` claim); `nil` when the claim is absent,
    /// which allows every scope.
    public var scopes: [ScopePattern]?
    /// When the token expires (the `exp` claim), in milliseconds since the Unix epoch.
    public var expiresAt: UInt64

    /// Creates a token description.
    public init(userID: String, scopes: [ScopePattern]?, expiresAt: UInt64) {
        self.userID = userID
        self.scopes = scopes
        self.expiresAt = expiresAt
    }

    /// Whether the token lets its holder subscribe to `scope`.
    public func allows(_ scope: String) -> Bool {
        scopes?.anyMatches(scope) ?? true
    }
}
