import ChorusCore
import Testing

@Suite("Wire format")
struct WireFormatTests {
    static let id = EventID(milliseconds: 1_700_000_000_000, sequence: 3)

    static let tricky = "quote \" backslash \\ slash / nl \n cr \r crlf \r\n tab \t nul \u{0} esc \u{1B} del \u{7F} é 👋🏽 世界 \u{2028} \u{FEFF}"

    static let envelopes: [Envelope] = [
        Envelope(scope: "doc:1"),
        Envelope(scope: "doc:1", data: "hello"),
        Envelope(scope: "doc:1", event: "update", data: #"{"title":"Hi"}"#, paths: ["doc.title"], origin: "tab-7", audience: ["42"]),
        Envelope(scope: "room", event: "", data: "", paths: [], origin: "", audience: []),
        Envelope(scope: "room", audience: ["b", "a", "c", "42", "7"]),
        Envelope(scope: "room", paths: ["z", "a", "z"]),
        Envelope(scope: tricky, event: tricky, data: tricky, paths: [tricky, ""], origin: tricky, audience: [tricky, ""]),
        Envelope(scope: "s", data: String(repeating: "big payload ", count: 5_000)),
    ]

    @Test("an envelope survives encode → decode with every field", arguments: envelopes)
    func envelopeRoundTrip(envelope: Envelope) throws {
        let decoded = try WireFormat.decodeEnvelope(WireFormat.encode(envelope), id: Self.id)
        var expected = envelope
        expected.id = Self.id
        #expect(decoded == expected)
    }

    @Test("the id travels beside the envelope, not in it")
    func idNotEncoded() throws {
        let withID = Envelope(id: EventID(milliseconds: 9, sequence: 9), scope: "s", data: "x")
        #expect(WireFormat.encode(withID) == WireFormat.encode(Envelope(scope: "s", data: "x")))
        #expect(try WireFormat.decodeEnvelope(WireFormat.encode(withID), id: Self.id).id == Self.id)
    }

    @Test("the encoded form is the documented JSON, with a sorted audience")
    func exactForm() {
        let full = Envelope(scope: "doc:1", event: "update", data: "…", paths: ["doc.title"], origin: "tab-7", audience: ["42"])
        #expect(text(WireFormat.encode(full)) == #"{"v":1,"scope":"doc:1","event":"update","data":"…","paths":["doc.title"],"origin":"tab-7","audience":["42"]}"#)
        #expect(text(WireFormat.encode(Envelope(scope: "s"))) == #"{"v":1,"scope":"s","data":""}"#)
        #expect(text(WireFormat.encode(Envelope(scope: "s", audience: ["b", "a", "10", "9"]))) == #"{"v":1,"scope":"s","data":"","audience":["10","9","a","b"]}"#)
        #expect(text(WireFormat.encode(Envelope(scope: "s", data: "a\"b\n"))) == #"{"v":1,"scope":"s","data":"a\"b\n"}"#)
    }

    @Test("an empty audience (nobody) stays distinct from no audience (everybody)")
    func emptyAudienceIsNotNoAudience() throws {
        let nobody = try WireFormat.decodeEnvelope(WireFormat.encode(Envelope(scope: "s", audience: [])), id: Self.id)
        let everybody = try WireFormat.decodeEnvelope(WireFormat.encode(Envelope(scope: "s")), id: Self.id)
        #expect(nobody.audience == [])
        #expect(everybody.audience == nil)
    }

    @Test("the encoding is valid JSON", arguments: envelopes)
    func encodingIsJSON(envelope: Envelope) throws {
        let json = try JSONParser.parse(WireFormat.encode(envelope))
        #expect(json["v"] == .number("1"))
        #expect(json["scope"] == .string(envelope.scope))
        #expect(json["data"] == .string(envelope.data))
    }

    @Test("a control message survives encode → decode", arguments: [
        ControlMessage.closeUser(userID: "42", scope: nil),
        .closeUser(userID: "42", scope: "doc:1"),
        .closeUser(userID: tricky, scope: tricky),
        .closeUser(userID: "", scope: ""),
    ])
    func controlRoundTrip(control: ControlMessage) throws {
        #expect(try WireFormat.decodeControl(WireFormat.encode(control)) == control)
    }

    @Test("the control form is the documented JSON")
    func controlExactForm() {
        #expect(text(WireFormat.encode(.closeUser(userID: "42", scope: "doc:1"))) == #"{"v":1,"kind":"close-user","user":"42","scope":"doc:1"}"#)
        #expect(text(WireFormat.encode(.closeUser(userID: "42", scope: nil))) == #"{"v":1,"kind":"close-user","user":"42"}"#)
    }

    @Test("a message that is not a valid envelope throws WireFormatError", arguments: [
        "", "not json", "{", "[]", "1", "null", #""{\"v\":1}""#,
        #"{"scope":"s","data":"x"}"#,
        #"{"v":2,"scope":"s"}"#,
        #"{"v":"1","scope":"s"}"#,
        #"{"v":1.0,"scope":"s"}"#,
        #"{"v":null,"scope":"s"}"#,
        #"{"v":1}"#,
        #"{"v":1,"scope":""}"#,
        #"{"v":1,"scope":1}"#,
        #"{"v":1,"scope":null}"#,
        #"{"v":1,"scope":"s","paths":[1]}"#,
        #"{"v":1,"scope":"s","audience":[null]}"#,
        #"{"v":1,"scope":"s","data":"x"} trailing"#,
        #"{"v":1,"scope":"s","data":"x""#,
    ])
    func envelopeGarbage(message: String) {
        #expect(throws: WireFormatError.self) { try WireFormat.decodeEnvelope(bytes(message), id: Self.id) }
    }

    @Test("a truncated or corrupted envelope throws WireFormatError")
    func corrupted() {
        let good = WireFormat.encode(Self.envelopes[2])
        for length in 0..<good.count {
            #expect(throws: WireFormatError.self, "truncated to \(length) bytes") {
                try WireFormat.decodeEnvelope(Array(good[..<length]), id: Self.id)
            }
        }
        #expect(throws: WireFormatError.self) { try WireFormat.decodeEnvelope(bytes(#"{"v":1,"scope":""#) + [0xFF] + bytes(#""}"#), id: Self.id) }
    }

    @Test("a message that is not a valid control message throws WireFormatError", arguments: [
        "", "x", "[]",
        #"{"kind":"close-user","user":"42"}"#,
        #"{"v":2,"kind":"close-user","user":"42"}"#,
        #"{"v":1,"kind":"close-user"}"#,
        #"{"v":1,"kind":"close-user","user":42}"#,
        #"{"v":1,"kind":"reboot"}"#,
        #"{"v":1}"#,
        #"{"v":1,"scope":"s","data":"an envelope"}"#,
    ])
    func controlGarbage(message: String) {
        #expect(throws: WireFormatError.self) { try WireFormat.decodeControl(bytes(message)) }
    }

    @Test("errors say what is wrong")
    func errorMessages() {
        let version = #expect(throws: WireFormatError.self) { try WireFormat.decodeEnvelope(bytes(#"{"v":2,"scope":"s"}"#), id: Self.id) }
        #expect(version?.message.contains("version") == true)
        let scope = #expect(throws: WireFormatError.self) { try WireFormat.decodeEnvelope(bytes(#"{"v":1}"#), id: Self.id) }
        #expect(scope?.message.contains("scope") == true)
        let json = #expect(throws: WireFormatError.self) { try WireFormat.decodeEnvelope(bytes("nope"), id: Self.id) }
        #expect(json?.description.contains("JSON") == true)
    }
}
