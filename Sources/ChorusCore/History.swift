import DequeModule

/// What a replay after an id found.
public struct Replay: Sendable, Hashable {
    /// The retained events after the id, in order.
    public var events: [Envelope]
    /// `false` when events after the id were already dropped from the history (or the id is from
    /// before this history began): the client missed something it can no longer get, and must be
    /// told to reset rather than be given a silent gap.
    public var isComplete: Bool
    /// The newest event id in the history when it was read (`nil` when it holds none): where a
    /// client that gets a reset resumes from.
    public var latestID: EventID?

    /// Creates a replay result.
    public init(events: [Envelope], isComplete: Bool, latestID: EventID? = nil) {
        self.events = events
        self.isComplete = isComplete
        self.latestID = latestID
    }
}

/// A bounded, in-order history of published envelopes, for replay after `Last-Event-ID`.
///
/// It knows the id below which it cannot answer (`floor`): the last id it dropped, or the id it
/// started at. A replay after an id below the floor is incomplete.
public struct HistoryRing: Sendable {
    /// How many envelopes are kept.
    public let capacity: Int
    /// Every event with an id above this is retained (until dropped for capacity).
    public private(set) var floor: EventID
    private var entries: Deque<Envelope> = []

    /// Creates an empty history that can answer for events after `floor`.
    /// - Precondition: `capacity > 0`.
    public init(capacity: Int, floor: EventID = .zero) {
        precondition(capacity > 0, "history capacity must be positive")
        self.capacity = capacity
        self.floor = floor
        entries.reserveCapacity(min(capacity, 4096))
    }

    /// The number of envelopes retained.
    public var count: Int { entries.count }
    /// The id of the newest retained envelope.
    public var lastID: EventID? { entries.last?.id }

    /// Appends an envelope with an id greater than every id before it, dropping the oldest when full.
    /// - Precondition: `envelope.id` is set and increasing.
    public mutating func append(_ envelope: Envelope) {
        guard let id = envelope.id else { preconditionFailure("history entries need an id") }
        precondition(id > (entries.last?.id ?? floor), "history ids must increase")
        if entries.count == capacity, let dropped = entries.popFirst() {
            floor = dropped.id!
        }
        entries.append(envelope)
    }

    /// At most `limit` of the retained events after `id`, and whether nothing after `id` was
    /// lost. After an id below the floor: the oldest retained events, incomplete. An id newer
    /// than every retained event (or than the floor, when nothing is retained) was never issued
    /// here: no events, incomplete.
    public func replay(after id: EventID, limit: Int = .max) -> Replay {
        let latest = entries.last?.id
        guard id <= (latest ?? floor) else {
            return Replay(events: [], isComplete: false, latestID: latest)
        }
        guard id >= floor else {
            return Replay(events: Array(entries.prefix(max(0, limit))), isComplete: false, latestID: latest)
        }
        // Ids are sorted: binary search for the first entry after `id`.
        var low = entries.startIndex
        var high = entries.endIndex
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].id! <= id { low = mid + 1 } else { high = mid }
        }
        let end = limit >= entries.endIndex - low ? entries.endIndex : low + max(0, limit)
        return Replay(events: Array(entries[low..<end]), isComplete: true, latestID: latest)
    }
}
