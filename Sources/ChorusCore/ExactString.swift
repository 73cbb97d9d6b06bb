/// A string compared and hashed by its exact UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence: `"é"` (U+00E9) equals `"e\u{301}"`.
/// For identifiers that decide who gets what — user ids, session ids, scopes — that would let one
/// user receive another's private events or close another's streams. Chorus compares them as the
/// bytes they are, like Redis does, so every node decides the same way whatever the backend.
public struct ExactString: Hashable, Sendable, CustomStringConvertible {
    /// The string.
    public let value: String

    /// Wraps `value`.
    @inlinable
    public init(_ value: String) {
        self.value = value
    }

    @inlinable
    public static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = value.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in value.utf8 { hasher.combine(byte) }
        }
        hasher.combine(value.utf8.count)
    }

    public var description: String { value }
}

extension String {
    /// Whether the two strings are the same bytes (not merely canonically equivalent).
    @inlinable
    public func isExactly(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8)
    }
}

extension Optional where Wrapped == String {
    /// Whether both are `nil`, or both are the same bytes.
    @inlinable
    public func isExactly(_ other: String?) -> Bool {
        switch (self, other) {
        case (nil, nil): true
        case (let a?, let b?): a.isExactly(b)
        default: false
        }
    }
}

extension Set where Element == String {
    /// Whether the set holds exactly the bytes of `member`: `contains` alone would also accept a
    /// canonically equivalent spelling.
    @inlinable
    public func containsExactly(_ member: String) -> Bool {
        guard let index = firstIndex(of: member) else { return false }
        // At most one canonically equivalent member can be in a set: it is this one.
        return self[index].isExactly(member)
    }
}
