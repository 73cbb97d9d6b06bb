/// Turns a *change* (an envelope whose ``Envelope/paths`` is not empty) into the SSE events a node
/// sends for it: typically one out-of-band htmx fragment per affected block.
///
/// A node with a renderer renders each change once for all its subscribers when the result is
/// the same for everyone, or once per recipient user when it is not, and sends the result instead
/// of the envelope's own `event`/`data`. `ChorusReactive` builds one from its templates
/// (`ChangeRenderer.reactive(_:)`); any other renderer works the same way.
public struct ChangeRenderer: Sendable {
    /// Whether a change's events are the same for every recipient.
    public enum Sharing: Sendable, Hashable {
        /// One rendering serves every recipient on the node.
        case shared
        /// Each recipient user gets a rendering of their own (anonymous ones share one).
        case perUser
    }

    /// How `change` is rendered: shared or per user.
    public var sharing: @Sendable (_ change: Envelope) -> Sharing
    /// The events for `change`, for `userID` when the sharing is per user (`nil` when shared or
    /// anonymous). An empty result sends nothing; rendering failures are the renderer's to report.
    public var render: @Sendable (_ change: Envelope, _ userID: String?) async -> [ServerSentEvent]

    /// Creates a renderer.
    public init(
        sharing: @escaping @Sendable (_ change: Envelope) -> Sharing,
        render: @escaping @Sendable (_ change: Envelope, _ userID: String?) async -> [ServerSentEvent]
    ) {
        self.sharing = sharing
        self.render = render
    }
}
