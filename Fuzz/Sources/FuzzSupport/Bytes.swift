/// Helpers the targets share for splitting one input into several values and comparing text.
extension Array where Element == UInt8 {
    /// The input cut at every `separator` byte (empty pieces kept), at most `maxPieces` pieces.
    public func pieces(separatedBy separator: UInt8, maxPieces: Int = .max) -> [ArraySlice<UInt8>] {
        split(separator: separator, maxSplits: maxPieces - 1, omittingEmptySubsequences: false)
    }
}

/// The UTF-8 bytes of `text`: the comparison Chorus promises for names and ids (exact bytes, not
/// Swift's canonical equivalence, under which `"é"` equals `"e\u{301}"`).
public func bytes(_ text: String?) -> [UInt8]? {
    text.map { Array($0.utf8) }
}

/// `text` with CRLF and lone CR turned into LF, as an event-stream parser reads line ends.
public func normalizingLineEnds(_ text: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(text.count)
    var index = 0
    while index < text.count {
        let byte = text[index]
        if byte == 0x0D {
            out.append(0x0A)
            if index + 1 < text.count, text[index + 1] == 0x0A { index += 1 }
        } else {
            out.append(byte)
        }
        index += 1
    }
    return out
}
