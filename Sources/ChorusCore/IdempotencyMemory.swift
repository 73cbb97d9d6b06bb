import DequeModule

/// The idempotency keys an ``InMemoryBus`` remembers: for each key, a fingerprint of the events
/// published under it and their ids, until the window passes. Bounded: past `capacity` keys, the
/// oldest are forgotten early.
struct IdempotencyMemory: Sendable {
    struct Entry: Sendable {
        var fingerprint: Int
        var ids: [EventID]
        var expires: UInt64
    }

    /// How long a key is remembered, in milliseconds.
    let window: UInt64
    /// The most keys remembered at once.
    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// Keys in the order they expire (every key has the same window).
    private var order: Deque<(key: String, expires: UInt64)> = []

    init(window: UInt64, capacity: Int) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// How many keys are remembered.
    var count: Int { entries.count }

    /// The entry for `key`, if it was remembered and its window has not passed at `now`.
    mutating func entry(for key: String, now: UInt64) -> Entry? {
        expire(now: now)
        return entries[key]
    }

    /// Remembers `key` (not remembered now) with the events' fingerprint and ids until `now + window`.
    mutating func remember(_ key: String, fingerprint: Int, ids: [EventID], now: UInt64) {
        expire(now: now)
        while entries.count >= capacity, let oldest = order.popFirst() {
            if entries[oldest.key]?.expires == oldest.expires { entries.removeValue(forKey: oldest.key) }
        }
        let expires = now &+ window
        entries[key] = Entry(fingerprint: fingerprint, ids: ids, expires: expires)
        order.append((key, expires))
    }

    private mutating func expire(now: UInt64) {
        while let first = order.first, first.expires <= now {
            order.removeFirst()
            if entries[first.key]?.expires == first.expires { entries.removeValue(forKey: first.key) }
        }
    }

    /// A fingerprint of what a publish carries (its envelopes without ids), to tell a retry from a
    /// different publish that reuses the key. One process, so the seeded hash is stable enough.
    static func fingerprint(_ envelopes: [Envelope]) -> Int {
        var hasher = Hasher()
        hasher.combine(envelopes.count)
        for var envelope in envelopes {
            envelope.id = nil
            hasher.combine(envelope)
        }
        return hasher.finalize()
    }
}
