// Messages on the shared Redis channel (anyone with access to that Redis can publish there): read
// as the subscriber reads them, never trapping; a Chorus message survives payload → parse →
// payload; the log preview of a skipped message is printable ASCII.
import ChorusCore
@testable import ChorusRedis
import FuzzSupport

Fuzzer.run { input in
    let preview = ChannelMessage.preview(input)
    expect(preview.utf8.allSatisfy { (0x20..<0x7F).contains($0) } || preview.hasSuffix("…"), "the preview is not printable: \(preview.debugDescription)")
    guard let message = ChannelMessage(input) else { return }
    let payload = message.payload
    expect(ChannelMessage(payload) == message, "\(message) does not survive its own payload")
    expect(ChannelMessage(payload)?.payload == payload, "payload is not stable")
    // What the subscriber does next with it.
    switch message {
    case .event(let id, let json):
        if let envelope = try? WireFormat.decodeEnvelope(json, id: id) {
            expect(envelope.id == id && !envelope.scope.isEmpty, "an event decoded without its id or scope")
        }
    case .control(let json):
        _ = try? WireFormat.decodeControl(json)
    case .probe(let token, _):
        expect(!token.utf8.contains(UInt8(ascii: " ")), "a probe token with a space")
    }
}
