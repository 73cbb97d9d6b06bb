/// One event as it crosses the bus: what happened, where, and for whom.
///
/// The delivery rule (``DeliveryRule``) decides from these fields alone which subscribers get it.
public struct Envelope: Sendable, Hashable {
    /// Assigned by the bus at publish time; `nil` before that.
    public var id: EventID?
    /// Only subscribers of this scope may receive the event (a document id, a room, `user:42`).
    public var scope: String
    /// The SSE event name; `nil` means the browser's default `message` event.
    public var event: String?
    /// The payload text. JSON values given to the publish API are serialized once, at publish.
    public var data: String
    /// Changed context paths (`doc.title`), for reactive blocks.
    public var paths: [String]
    /// The session (tab) that caused the event; that one connection does not get it back.
    public var origin: String?
    /// When set, only authenticated subscribers whose user id is in it receive the event.
    public var audience: Set<String>?

    /// Creates an envelope. The id is normally left for the bus to assign.
    public init(
        id: EventID? = nil,
        scope: String,
        event: String? = nil,
        data: String = "",
        paths: [String] = [],
        origin: String? = nil,
        audience: Set<String>? = nil
    ) {
        self.id = id
        self.scope = scope
        self.event = event
        self.data = data
        self.paths = paths
        self.origin = origin
        self.audience = audience
    }
}
