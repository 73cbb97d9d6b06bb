// EventID parsing (`Last-Event-ID` from any client, ids on the Redis channel): never traps, agrees
// with a plain reading of the grammar, and the text form round-trips.
import ChorusCore
import FuzzSupport

/// `<digits>` or `<digits>-<digits>`, each part a number that fits 64 bits (leading zeros allowed).
func reference(_ bytes: [UInt8]) -> EventID? {
    let parts = bytes.pieces(separatedBy: UInt8(ascii: "-"), maxPieces: 2)
    var numbers: [UInt64] = []
    for part in parts {
        guard !part.isEmpty, part.count <= 20, part.allSatisfy({ (0x30...0x39).contains($0) }),
              let number = UInt64(String(decoding: part, as: UTF8.self))
        else { return nil }
        numbers.append(number)
    }
    return EventID(milliseconds: numbers[0], sequence: numbers.count == 2 ? numbers[1] : 0)
}

Fuzzer.run { input in
    let text = String(decoding: input, as: UTF8.self)
    let id = EventID(text)
    // Invalid UTF-8 is replaced while decoding; compare with what the parser actually saw.
    expect(id == reference(Array(text.utf8)), "EventID(\(text.debugDescription)) = \(String(describing: id)), the grammar says \(String(describing: reference(Array(text.utf8))))")
    guard let id else { return }
    expect(EventID(id.description) == id, "\(id) does not round-trip through its description")
    expect(EventID(Substring(text)) == id, "Substring and String parse differently")
    let other = EventID(milliseconds: id.sequence, sequence: id.milliseconds)
    expect((id < other) == ((id.milliseconds, id.sequence) < (other.milliseconds, other.sequence)), "order is not (ms, seq)")
}
