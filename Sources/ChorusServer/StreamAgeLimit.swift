/// When a stream has been open long enough to be ended (``NodeConfiguration/maximumStreamAge``),
/// so its client reconnects and the load balancer may give it to a less busy node.
///
/// Each stream gets its own deadline, the maximum age plus a jitter of up to a tenth of it drawn
/// from the connection's id: streams opened in the same second (every client after a deploy) end
/// spread out, not in the same second.
struct StreamAgeLimit: Sendable {
    /// The maximum age in milliseconds.
    let milliseconds: UInt64
    /// Makes the jitter differ between nodes and restarts.
    let seed: UInt64

    /// `nil` for no limit.
    init?(_ maximumAge: Duration?, seed: UInt64 = .random(in: 0 ... .max)) {
        guard let maximumAge, maximumAge > .zero else { return nil }
        let (seconds, attoseconds) = maximumAge.components
        milliseconds = UInt64(seconds) &* 1000 &+ UInt64(attoseconds / 1_000_000_000_000_000)
        self.seed = seed
    }

    /// Whether the stream `connectionID`, connected at `connectedAt`, is past its deadline at
    /// `now` (both milliseconds since the Unix epoch).
    func isPast(connectedAt: UInt64, connectionID: Int, now: UInt64) -> Bool {
        let jitter = Self.mix(seed ^ UInt64(truncatingIfNeeded: connectionID)) % (milliseconds / 10 + 1)
        return now >= connectedAt &+ milliseconds &+ jitter
    }

    /// SplitMix64's finalizer: spreads consecutive ids over the whole range.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
