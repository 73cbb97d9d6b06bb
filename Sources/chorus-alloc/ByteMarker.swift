/// Finds a short byte pattern in a stream that arrives in pieces, whatever the read boundaries.
///
/// Restarting at the first byte on a mismatch is exact only for patterns none of whose proper
/// prefixes is also a suffix (`\ndata:`, `HTTP/1.1 `): the ones used here.
struct ByteMarker {
    private let pattern: [UInt8]
    private var matched = 0

    init(_ pattern: String) {
        self.pattern = Array(pattern.utf8)
    }

    /// Advances over one byte; `true` when it completes the pattern.
    @inline(__always)
    mutating func step(_ byte: UInt8) -> Bool {
        if byte == pattern[matched] {
            matched += 1
        } else {
            matched = byte == pattern[0] ? 1 : 0
        }
        guard matched == pattern.count else { return false }
        matched = 0
        return true
    }
}
