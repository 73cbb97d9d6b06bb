/// Receives what a bus carries. Called in bus order, one call at a time; it must not block, since
/// it runs on the bus's own delivery path.
public protocol BusReceiver: Sendable {
    /// Handles a batch of messages, in order.
    func receive(_ messages: [BusMessage])
}

/// The channel every node shares: publish envelopes (which get their ids here), receive every
/// envelope in order, and replay history after an id.
///
/// `InMemoryBus` is the embedded default for a single node; the Redis bus connects a cluster. Both
/// pass the same contract tests.
public protocol Bus: Sendable {
    /// Publishes envelopes in order and returns the ids assigned to them. Either all are published
    /// or an error is thrown.
    func publish(_ envelopes: [Envelope]) async throws(BusError) -> [EventID]

    /// Sends a control message to every node (this one included).
    func publish(_ control: ControlMessage) async throws(BusError)

    /// At most `limit` of the retained events after `id`, in order: a page of the history. Read
    /// the next page after the last id of this one; fewer than `limit` events means there are no
    /// more. Incomplete when events after `id` are gone, or when `id` is newer than every event
    /// the bus has published (an id from the future, or from another deployment), so the client
    /// gets a reset rather than a silent gap or a muted stream.
    func replay(after id: EventID, limit: Int) async throws(BusError) -> Replay

    /// Delivers every message published from now on to `receiver`, in order, until the task is
    /// cancelled. Reconnection and gap filling, if the bus needs them, happen inside.
    func run(delivering receiver: some BusReceiver) async throws

    /// Records connections as present (one entry per connection and scope) and announces each to
    /// every node with ``ControlMessage/presenceJoin(_:)``. Entries of a node that dies vanish by
    /// themselves within the bus's liveness bound, with ``ControlMessage/presenceLeave(_:)``.
    func addPresence(_ entries: [PresenceEntry]) async throws(BusError)

    /// Forgets entries recorded with ``addPresence(_:)`` and announces each that was present with
    /// ``ControlMessage/presenceLeave(_:)``.
    func removePresence(_ entries: [PresenceEntry]) async throws(BusError)

    /// The entries present in `scope` on every live node, ordered by connection time.
    func presence(in scope: String) async throws(BusError) -> [PresenceEntry]

    /// Whether the bus can publish and deliver right now (for `/readyz`).
    var isReady: Bool { get }
}

extension Bus {
    /// Every retained event after `id`, in order (one page as large as the history).
    public func replay(after id: EventID) async throws(BusError) -> Replay {
        try await replay(after: id, limit: .max)
    }
}

/// A bus operation that failed. Publishing nothing is guaranteed when `publish` throws.
public struct BusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: Sendable, Hashable {
        /// The bus cannot reach its backend right now; try again later.
        case unavailable
        /// The backend answered with an error.
        case backend
    }

    /// What kind of failure this is.
    public var code: Code
    /// What happened, in words an operator can act on.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
