/// The one rule that decides whether a subscription receives an envelope.
///
/// It is applied on every node, to live events and to replayed history alike:
/// - the envelope's scope is one of the subscription's scopes;
/// - the envelope's origin is not the subscriber's own session (no echo to the acting tab; the
///   same user's other tabs still get it);
/// - if the envelope has an audience, the subscriber is authenticated and its user id is in it.
///   Anonymous subscribers never receive audience-restricted events.
///
/// Ids and scopes are compared as exact bytes (``ExactString``), never by Unicode equivalence.
public enum DeliveryRule {
    /// Whether `subscription` should receive `envelope`.
    @inlinable
    public static func delivers(_ envelope: Envelope, to subscription: Subscription) -> Bool {
        subscription.scopes.containsExactly(envelope.scope)
            && delivers(envelope, toScopeMember: subscription.info)
    }

    /// The rule for a connection already known to be in the envelope's scope (the Hub indexes
    /// connections by scope, so it only checks origin and audience).
    @inlinable
    public static func delivers(_ envelope: Envelope, toScopeMember info: ConnectionInfo) -> Bool {
        if let origin = envelope.origin, let session = info.sessionID, origin.isExactly(session) {
            return false
        }
        if let audience = envelope.audience {
            guard let user = info.userID, audience.containsExactly(user) else { return false }
        }
        return true
    }
}
