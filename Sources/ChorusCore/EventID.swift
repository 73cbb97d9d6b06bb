/// The id of a published event: a millisecond timestamp and a sequence number within it.
///
/// Ids are totally ordered and are what the browser sends back as `Last-Event-ID`. The text form,
/// `<ms>-<seq>`, is the same as a Redis stream entry id, so the id a subscriber sees on one node
/// is the id it can replay from on any other.
public struct EventID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch when the bus assigned the id.
    public var milliseconds: UInt64
    /// Position among the ids assigned in the same millisecond.
    public var sequence: UInt64

    /// Creates an id from its two parts.
    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// The smallest possible id; every assigned id is greater.
    public static let zero = EventID(milliseconds: 0, sequence: 0)

    /// Parses `<ms>-<seq>` or `<ms>` (sequence 0). Returns `nil` for anything else: signs,
    /// spaces, empty parts, or numbers that do not fit 64 bits.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard let dash = utf8.firstIndex(of: UInt8(ascii: "-")) else {
            guard let ms = Self.parseNumber(utf8[...]) else { return nil }
            self.init(milliseconds: ms, sequence: 0)
            return
        }
        guard let ms = Self.parseNumber(utf8[..<dash]),
              let seq = Self.parseNumber(utf8[(dash + 1)...])
        else { return nil }
        self.init(milliseconds: ms, sequence: seq)
    }

    private static func parseNumber(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// The id that comes right after this one.
    public var successor: EventID {
        sequence == .max
            ? EventID(milliseconds: milliseconds + 1, sequence: 0)
            : EventID(milliseconds: milliseconds, sequence: sequence + 1)
    }

    /// `<ms>-<seq>`.
    public var description: String { "\(milliseconds)-\(sequence)" }

    public static func < (lhs: EventID, rhs: EventID) -> Bool {
        (lhs.milliseconds, lhs.sequence) < (rhs.milliseconds, rhs.sequence)
    }
}

/// Hands out strictly increasing ids from a millisecond clock, like a Redis stream does.
///
/// If the clock stands still or steps back, ids keep increasing by sequence number, so order never
/// depends on the wall clock being monotonic.
public struct EventIDGenerator: Sendable {
    /// The last id handed out.
    public private(set) var last: EventID

    /// Starts after `last`.
    public init(after last: EventID = .zero) {
        self.last = last
    }

    /// The next id for a clock reading of `nowMilliseconds`.
    public mutating func next(nowMilliseconds: UInt64) -> EventID {
        let id = nowMilliseconds > last.milliseconds
            ? EventID(milliseconds: nowMilliseconds, sequence: 0)
            : last.successor
        last = id
        return id
    }
}
