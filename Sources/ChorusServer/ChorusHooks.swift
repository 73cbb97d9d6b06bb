import ChorusCore

/// Points where an embedding app plugs into a node: see every connection come and go, and see
/// (and change, or refuse) every event published through `POST /publish`.
///
/// ```swift
/// var hooks = ChorusHooks()
/// hooks.onPublish = { envelope in
///     envelope.scope.hasPrefix("admin:") ? .veto("admin scopes are published by the admin app") : .publish(envelope)
/// }
/// let node = ChorusNode(configuration: configuration, bus: bus, hooks: hooks)
/// ```
///
/// Hooks run in the request's task; keep them short (a slow `onPublish` delays that publish, a
/// slow `onConnect` delays that stream's first bytes). `onPublish` runs on the publisher's
/// connection's event loop: await what takes time, never block.
public struct ChorusHooks: Sendable {
    /// Called once a stream is registered (it receives live events from then on), with its scopes
    /// and its ``ConnectionInfo`` (user id, session id, connected-at).
    public var onConnect: @Sendable (Subscription) async -> Void
    /// Called once a stream has ended, however it ended, with the same subscription.
    public var onDisconnect: @Sendable (Subscription) async -> Void
    /// Called for every event of a `POST /publish` before anything is published. Return
    /// ``PublishDecision/publish(_:)`` with the event (changed or not), or
    /// ``PublishDecision/veto(_:)`` to refuse the whole request with `403 publish-vetoed`.
    public var onPublish: @Sendable (Envelope) async -> PublishDecision

    /// Hooks that do nothing.
    public init(
        onConnect: @escaping @Sendable (Subscription) async -> Void = { _ in },
        onDisconnect: @escaping @Sendable (Subscription) async -> Void = { _ in },
        onPublish: @escaping @Sendable (Envelope) async -> PublishDecision = { .publish($0) }
    ) {
        self.onConnect = onConnect
        self.onDisconnect = onDisconnect
        self.onPublish = onPublish
    }
}

/// What ``ChorusHooks/onPublish`` decided about one event.
public enum PublishDecision: Sendable, Hashable {
    /// Publish this event (the one given, or a changed copy).
    case publish(Envelope)
    /// Refuse the publish request; the reason is sent to the publisher.
    case veto(String)
}
