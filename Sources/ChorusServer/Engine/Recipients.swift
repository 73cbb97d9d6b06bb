import ChorusCore

/// Which members of a snapshot get a frame.
enum Recipients: Sendable {
    /// Those the delivery rule lets `envelope` through to (scope already matched).
    case envelope(Envelope)
    /// Those that asked for presence, except the connection the change is about.
    case presence(excluding: String)
    /// Those of `user` (`nil`: anonymous) that the delivery rule lets `envelope` through to.
    case user(String?, Envelope)
    /// All of them.
    case everyone

    /// Those the delivery rule lets `envelope` through to: everyone when it has neither origin
    /// nor audience (most events), so the rule is not run per connection for nothing.
    static func of(_ envelope: Envelope) -> Recipients {
        envelope.origin == nil && envelope.audience == nil ? .everyone : .envelope(envelope)
    }

    @inline(__always)
    func admit(_ connection: Connection) -> Bool {
        switch self {
        case .envelope(let envelope): DeliveryRule.delivers(envelope, toScopeMember: connection.info)
        case .presence(let excluded): connection.wantsPresence && connection.presenceID != excluded
        case .user(let user, let envelope): connection.info.userID.isExactly(user) && DeliveryRule.delivers(envelope, toScopeMember: connection.info)
        case .everyone: true
        }
    }
}
