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
    /// Publishes envelopes in order and returns the ids assigned to them: either all are published,
    /// or none, or (``BusError/Code/outcomeUnknown``) the bus cannot know. The error's code says
    /// which (see ``BusError``).
    ///
    /// With an `idempotencyKey`, the bus remembers the key with the ids, atomically with the
    /// publish, for its idempotency window: a publish with a key seen within the window publishes
    /// nothing and returns the original ids, so retrying after ``BusError/Code/outcomeUnknown``
    /// with the same key publishes at most once. The same key with different envelopes throws
    /// ``BusError/Code/idempotencyKeyReused`` and publishes nothing.
    func publish(_ envelopes: [Envelope], idempotencyKey: String?) async throws(BusError) -> [EventID]

    /// Sends a control message to every node (this one included).
    func publish(_ control: ControlMessage) async throws(BusError)

    /// At most `limit` of the retained events after `id`, in order: a page of the history. Read
    /// the next page after the last id of this one; fewer than `limit` events means there are no
    /// more. Incomplete when events after `id` are gone, or when `id` is newer than every event
    /// the bus has published (an id from the future, or from another deployment), so the client
    /// gets a reset rather than a silent gap or a muted stream.
    func replay(after id: EventID, limit: Int) async throws(BusError) -> Replay

    /// The stream position now, in the id space of `Last-Event-ID`: the id of the newest event
    /// the bus has published, or, before the first, an id that no event will have. A replay after
    /// it is complete and holds exactly the events published after this call (while they are in
    /// the history).
    ///
    /// A page reads it *before* it reads the data it renders and carries it to its stream
    /// (`data-last-event-id`, or `lastEventId=` in the stream URL), so changes published while
    /// it loads are replayed instead of lost. `nil` when the bus has no such id: a Redis bus
    /// whose history stream does not exist yet (nothing was ever published, or Redis lost it).
    func position() async throws(BusError) -> EventID?

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

    /// Publishes envelopes without an idempotency key (see ``publish(_:idempotencyKey:)``).
    public func publish(_ envelopes: [Envelope]) async throws(BusError) -> [EventID] {
        try await publish(envelopes, idempotencyKey: nil)
    }
}

/// A bus operation that failed, with a ``Code`` that says what became of it.
///
/// For `publish`, the code states the outcome: ``Code/unavailable`` — refused before anything was
/// sent, nothing was published; ``Code/outcomeUnknown`` — the link broke after the command was
/// sent, so the events may or may not have been published (retry with the same idempotency key);
/// ``Code/backend`` — the backend answered with an error, nothing was published.
public struct BusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New codes may be added: switch over it with a `default` case.
    ///
    /// A struct around a private enum (like ServiceLifecycle's `ServiceGroupError.Code`), so that
    /// adding a code is not a breaking change for callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable, Hashable {
            case unavailable
            case outcomeUnknown
            case backend
            case idempotencyKeyReused
        }

        private let kind: Kind

        private init(_ kind: Kind) { self.kind = kind }

        /// Refused before anything was sent: the backend is unreachable (or cannot take writes,
        /// such as a Redis out of memory). Nothing was published; trying again later is safe.
        public static let unavailable = Code(.unavailable)
        /// The command was sent, then the link broke (or timed out) before the answer: it may or
        /// may not have taken effect. Retrying a publish is safe only with the same idempotency key.
        public static let outcomeUnknown = Code(.outcomeUnknown)
        /// The backend answered with an error (or an answer that makes no sense); nothing was
        /// published.
        public static let backend = Code(.backend)
        /// A publish reused an idempotency key that was seen, within the window, with different
        /// events. Nothing was published.
        public static let idempotencyKeyReused = Code(.idempotencyKeyReused)

        public var description: String { kind.rawValue }
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
