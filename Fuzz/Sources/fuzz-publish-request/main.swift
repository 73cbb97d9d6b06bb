// `POST /publish` bodies: never trap; whatever is accepted obeys the documented limits, survives
// the wire format between nodes byte for byte, and reaches a browser's EventSource as sent.
import ChorusCore
import FuzzSupport

func validName(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.count <= PublishRequest.maximumNameLength && !text.utf8.contains(0)
}

Fuzzer.run { input in
    guard let envelopes = try? PublishRequest.parse(input) else { return }
    expect(!envelopes.isEmpty, "an accepted body with no events")
    let id = EventID(milliseconds: 1_795_266_831_933, sequence: 7)
    let items: [JSONValue]
    switch try? JSONParser.parse(input) {
    case .array(let array)?: items = array
    case let object?: items = [object]
    case nil: fatalError("an accepted body is not JSON")
    }
    expect(items.count == envelopes.count, "\(items.count) objects became \(envelopes.count) envelopes")
    for (item, envelope) in zip(items, envelopes) {
        // Every user named in the audience is kept, compared as exact bytes: two ids that Swift
        // finds canonically equivalent ("é", "e\u{301}") are still two users.
        if case .array(let users)? = item["audience"] {
            let named = Set(users.compactMap { user -> [UInt8]? in
                if case .string(let text) = user { return Array(text.utf8) } else { return nil }
            })
            expect(envelope.audience?.count == named.count, "audience of \(named.count) users kept \(envelope.audience?.count ?? 0)")
        }
        expect(validName(envelope.scope), "accepted scope \(envelope.scope.debugDescription)")
        if let event = envelope.event {
            expect(validName(event) && !event.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }), "accepted event name \(event.debugDescription)")
        }
        if let origin = envelope.origin { expect(validName(origin), "accepted origin \(origin.debugDescription)") }
        for path in envelope.paths { expect(validName(path), "accepted path \(path.debugDescription)") }
        if let audience = envelope.audience {
            expect(!audience.isEmpty && audience.allSatisfy(validName), "accepted audience \(audience)")
        }

        // Between nodes: the wire JSON gives back the same envelope, byte for byte.
        let wire = WireFormat.encode(envelope)
        let decoded: Envelope
        do {
            decoded = try WireFormat.decodeEnvelope(wire, id: id)
        } catch {
            fatalError("an accepted envelope does not decode from its wire form: \(error)")
        }
        expect(bytes(decoded.scope) == bytes(envelope.scope), "scope changed on the wire")
        expect(bytes(decoded.event) == bytes(envelope.event), "event changed on the wire")
        expect(bytes(decoded.data) == bytes(envelope.data), "data changed on the wire")
        expect(decoded.paths.map(bytes) == envelope.paths.map(bytes), "paths changed on the wire")
        expect(bytes(decoded.origin) == bytes(envelope.origin), "origin changed on the wire")
        expect(decoded.audience.map { $0.map(bytes).sorted { $0!.lexicographicallyPrecedes($1!) } }
            == envelope.audience.map { $0.map(bytes).sorted { $0!.lexicographicallyPrecedes($1!) } }, "audience changed on the wire")

        // To the browser: one event, its type, its data (line ends as EventSource reads them), its id.
        let frame: [UInt8]
        do {
            frame = try SSEEncoder.encode(ServerSentEvent(decoded))
        } catch {
            fatalError("an accepted envelope cannot be written as an event: \(error)")
        }
        var parser = SSEParser()
        let events = parser.feed(frame)
        expect(events.count == 1, "one envelope became \(events.count) events")
        expect(bytes(events[0].type) == bytes(envelope.event ?? "message"), "the browser sees type \(events[0].type.debugDescription)")
        expect(Array(events[0].data.utf8) == normalizingLineEnds(Array(envelope.data.utf8)), "the browser sees other data")
        expect(events[0].lastEventID == id.description, "the browser sees id \(events[0].lastEventID)")
    }
}
