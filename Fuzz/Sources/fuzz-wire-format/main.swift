// The wire format between nodes (events on the Redis channel and in its history, control
// messages, presence entries): whatever decodes, never trapping on the way, encodes to JSON that
// decodes to the same message, and encoding is stable from then on.
import ChorusCore
import FuzzSupport

func fields(_ envelope: Envelope) -> [[UInt8]?] {
    [bytes(envelope.scope), bytes(envelope.event), bytes(envelope.data), bytes(envelope.origin),
     Array(envelope.paths.joined(separator: "\u{0}").utf8),
     envelope.audience.map { Array($0.sorted().joined(separator: "\u{0}").utf8) }]
}

Fuzzer.run { input in
    let id = EventID(milliseconds: 1_795_266_831_933, sequence: 2)
    if let envelope = try? WireFormat.decodeEnvelope(input, id: id) {
        let wire = WireFormat.encode(envelope)
        guard let again = try? WireFormat.decodeEnvelope(wire, id: id) else { fatalError("a decoded envelope does not decode from its own encoding") }
        expect(fields(again) == fields(envelope) && again.id == id, "the envelope changed through encode → decode")
        expect(WireFormat.encode(again) == wire, "envelope encoding is not stable")
    }
    if let control = try? WireFormat.decodeControl(input) {
        let wire = WireFormat.encode(control)
        guard let again = try? WireFormat.decodeControl(wire) else { fatalError("a decoded control message does not decode from its own encoding") }
        expect(WireFormat.encode(again) == wire, "control encoding is not stable")
        expect(again == control, "the control message changed through encode → decode")
    }
    if let entry = try? WireFormat.decodePresenceEntry(input) {
        let wire = WireFormat.encode(entry)
        guard let again = try? WireFormat.decodePresenceEntry(wire) else { fatalError("a decoded presence entry does not decode from its own encoding") }
        expect(WireFormat.encode(again) == wire, "presence encoding is not stable")
        expect(again == entry, "the presence entry changed through encode → decode")
    }
}
