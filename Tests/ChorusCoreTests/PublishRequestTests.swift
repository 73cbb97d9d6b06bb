import ChorusCore
import Testing

@Suite("Publish request")
struct PublishRequestTests {
    static func parse(_ body: String) throws(PublishRequestError) -> [Envelope] {
        try PublishRequest.parse(bytes(body))
    }

    /// The error message for `body`, or `nil` (and a recorded issue) if it was accepted.
    static func refusal(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let error = #expect(throws: PublishRequestError.self, "expected \(body) to be refused", sourceLocation: sourceLocation) {
            try PublishRequest.parse(bytes(body))
        }
        return error?.message
    }

    @Test("one object with every field becomes one envelope")
    func fullObject() throws {
        let envelopes = try Self.parse(#"""
            {"scope":"doc:1","event":"update","data":{"title":"Hi","n":1.50},"paths":["doc.title","doc.version"],
             "origin":"tab-7","audience":["42","7"]}
            """#)
        #expect(envelopes == [Envelope(
            id: nil, scope: "doc:1", event: "update", data: #"{"title":"Hi","n":1.50}"#,
            paths: ["doc.title", "doc.version"], origin: "tab-7", audience: ["42", "7"])])
    }

    @Test("only scope is required; the rest defaults to a broadcast of empty data")
    func minimalObject() throws {
        #expect(try Self.parse(#"{"scope":"room"}"#) == [Envelope(scope: "room")])
        let envelope = try #require(try Self.parse(#"{"scope":"room"}"#).first)
        #expect(envelope.event == nil)
        #expect(envelope.data == "")
        #expect(envelope.paths == [])
        #expect(envelope.origin == nil)
        #expect(envelope.audience == nil)
    }

    @Test("null for an optional field means the field is absent")
    func nulls() throws {
        #expect(try Self.parse(#"{"scope":"s","event":null,"data":null,"paths":null,"origin":null}"#) == [Envelope(scope: "s")])
    }

    @Test("an array of objects becomes envelopes in the same order")
    func array() throws {
        let envelopes = try Self.parse(#"[{"scope":"a","data":"1"},{"scope":"b","event":"e","data":"2"},{"scope":"a","data":"3"}]"#)
        #expect(envelopes == [
            Envelope(scope: "a", data: "1"),
            Envelope(scope: "b", event: "e", data: "2"),
            Envelope(scope: "a", data: "3"),
        ])
    }

    @Test("an unknown field is refused, naming it (a typo must not turn a private event into a broadcast)", arguments: [
        (#"{"scope":"s","audiance":["42"]}"#, "audiance"),
        (#"{"scope":"s","Audience":["42"]}"#, "Audience"),
        (#"{"scope":"s","id":"1-0"}"#, "id"),
        (#"{"scope":"s","":1}"#, ": unknown field"),
        (#"[{"scope":"s"},{"scope":"s","audiance":["42"]}]"#, "[1].audiance"),
    ])
    func unknownField(body: String, named: String) {
        let message = Self.refusal(body)
        #expect(message?.contains(named) == true, "\(message ?? "accepted")")
        #expect(message?.contains("unknown field") == true, "\(message ?? "accepted")")
    }

    @Test("a field given twice is refused, naming it", arguments: [
        (#"{"scope":"a","scope":"b"}"#, "scope"),
        (#"{"scope":"s","audience":["42"],"audience":["7"]}"#, "audience"),
        (#"{"scope":"s","data":"x","data":null}"#, "data"),
        (#"[{"scope":"s"},{"scope":"s","origin":"a","origin":"a"}]"#, "[1].origin"),
    ])
    func duplicateField(body: String, named: String) {
        let message = Self.refusal(body)
        #expect(message?.contains(named) == true, "\(message ?? "accepted")")
        #expect(message?.contains("twice") == true, "\(message ?? "accepted")")
    }

    @Test("error messages name the field, with its index in an array", arguments: [
        (#"{"data":"x"}"#, "scope: required"),
        (#"{}"#, "scope: required"),
        (#"{"scope":""}"#, "scope: must not be empty"),
        (#"{"scope":null}"#, "scope: must be a string, not null"),
        (#"{"scope":42}"#, "scope: must be a string, not a number"),
        (#"{"scope":["a"]}"#, "scope: must be a string, not an array"),
        (#"[{"scope":"a"},{"data":"x"}]"#, "[1].scope: required"),
        (#"[{"scope":"a"},{"scope":""}]"#, "[1].scope: must not be empty"),
        (#"{"scope":"s","event":""}"#, "event: must not be empty"),
        (#"{"scope":"s","event":"a\nb"}"#, "event: must not contain a line break"),
        (#"{"scope":"s","event":"a\rb"}"#, "event: must not contain a line break"),
        (#"{"scope":"s","event":"a\r\n"}"#, "event: must not contain a line break"),
        (#"[{"scope":"s"},{"scope":"s"},{"scope":"s","event":"\n"}]"#, "[2].event: must not contain a line break"),
        (#"{"scope":"s","event":true}"#, "event: must be a string, not a boolean"),
        (#"{"scope":"s","origin":""}"#, "origin: must not be empty"),
        (#"{"scope":"s","origin":7}"#, "origin: must be a string"),
        (#"{"scope":"s","paths":"doc.title"}"#, "paths: must be an array of strings, not a string"),
        (#"{"scope":"s","paths":["a",""]}"#, "paths[1]: must not be empty"),
        (#"{"scope":"s","paths":["a",1]}"#, "paths[1]: must be a string, not a number"),
        (#"{"scope":"s","paths":[null]}"#, "paths[0]: must be a string, not null"),
        (#"{"scope":"s","audience":"42"}"#, "audience: must be an array of strings, not a string"),
        (#"{"scope":"s","audience":[]}"#, "audience: must not be empty"),
        (#"{"scope":"s","audience":null}"#, "audience: must not be null"),
        (#"{"scope":"s","audience":[""]}"#, "audience[0]: must not be empty"),
        (#"{"scope":"s","audience":["7",42]}"#, "audience[1]: must be a string, not a number"),
        (#"{"scope":"s","audience":{"42":true}}"#, "audience: must be an array of strings, not an object"),
        (#"[{"scope":"s"},{"scope":"s","audience":[]}]"#, "[1].audience: must not be empty"),
        (#"{"scope":"a\u0000b"}"#, "scope: must not contain a NUL character"),
        (#"{"scope":"s","audience":["4\u00002"]}"#, "audience[0]: must not contain a NUL character"),
    ])
    func fieldErrors(body: String, message expected: String) {
        let message = Self.refusal(body)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test("an empty audience is refused rather than read as 'everybody' or 'nobody'")
    func emptyAudience() {
        #expect(Self.refusal(#"{"scope":"s","audience":[]}"#) != nil)
    }

    @Test("data given as a string is kept verbatim", arguments: [
        (#""hello""#, "hello"),
        (#""""#, ""),
        (#""  <b>x</b>\n""#, "  <b>x</b>\n"),
        (#""{\"a\":1}""#, #"{"a":1}"#),
        (#""caf\u00e9 👋🏽""#, "café 👋🏽"),
        (#""line\r\nbreak""#, "line\r\nbreak"),
    ])
    func stringData(json: String, expected: String) throws {
        #expect(try Self.parse(#"{"scope":"s","data":"# + json + "}").first?.data == expected)
    }

    @Test("data given as another JSON value is serialized compactly, keeping key order and number text", arguments: [
        (#"{ "b" : 1 , "a" : [ 1 , 2.50 ] }"#, #"{"b":1,"a":[1,2.50]}"#),
        (#"[ 3, "x", null, true ]"#, #"[3,"x",null,true]"#),
        (#"1.50"#, "1.50"),
        (#"-0"#, "-0"),
        (#"12345678901234567890"#, "12345678901234567890"),
        (#"1e5"#, "1e5"),
        (#"true"#, "true"),
        (#"false"#, "false"),
        (#"{}"#, "{}"),
        (#"[]"#, "[]"),
        (#"{"s":"line\nbreak \"q\""}"#, #"{"s":"line\nbreak \"q\""}"#),
    ])
    func jsonData(json: String, expected: String) throws {
        #expect(try Self.parse(#"{"scope":"s","data":"# + json + "}").first?.data == expected)
    }

    @Test("data null or absent is empty")
    func emptyData() throws {
        #expect(try Self.parse(#"{"scope":"s","data":null}"#).first?.data == "")
        #expect(try Self.parse(#"{"scope":"s"}"#).first?.data == "")
    }

    @Test("paths and audience are arrays of non-empty strings")
    func arrays() throws {
        let envelope = try #require(try Self.parse(#"{"scope":"s","paths":["doc.title","doc.title","a"],"audience":["42","42","7"]}"#).first)
        #expect(envelope.paths == ["doc.title", "doc.title", "a"])
        #expect(envelope.audience == ["42", "7"])
        #expect(try Self.parse(#"{"scope":"s","paths":[]}"#).first?.paths == [])
    }

    @Test("a body that is not one event object or a non-empty array of them is refused", arguments: [
        ("[]", "empty"),
        ("1", "not a number"),
        (#""scope""#, "not a string"),
        ("null", "not null"),
        ("true", "not a boolean"),
        (#"[{"scope":"s"},1]"#, "[1] must be an object, not a number"),
        (#"[[{"scope":"s"}]]"#, "[0] must be an object, not an array"),
        (#"[null]"#, "[0] must be an object, not null"),
    ])
    func bodyShape(body: String, expected: String) {
        let message = Self.refusal(body)
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test("a body that is not JSON is refused as such", arguments: [
        "", "scope=s", #"{"scope":"s",}"#, #"{"scope":'s'}"#, #"{"scope":"s"} {"scope":"t"}"#,
    ])
    func notJSON(body: String) {
        let message = Self.refusal(body)
        #expect(message?.contains("not valid JSON") == true, "\(message ?? "accepted")")
    }

    @Test("a body with invalid UTF-8 is refused")
    func invalidUTF8() {
        let body = bytes(#"{"scope":""#) + [0xFF] + bytes(#""}"#)
        #expect(throws: PublishRequestError.self) { try PublishRequest.parse(body) }
    }

    @Test("names up to 512 bytes are accepted; longer ones are refused, naming the field", arguments: [
        "scope", "event", "origin", "audience", "paths",
    ])
    func nameLength(field: String) throws {
        func body(_ value: String) -> String {
            switch field {
            case "scope": #"{"scope":"\#(value)"}"#
            case "audience", "paths": #"{"scope":"s","\#(field)":["\#(value)"]}"#
            default: #"{"scope":"s","\#(field)":"\#(value)"}"#
            }
        }
        #expect(PublishRequest.maximumNameLength == 512)
        _ = try Self.parse(body(String(repeating: "x", count: 512)))
        let message = Self.refusal(body(String(repeating: "x", count: 513)))
        #expect(message?.contains(field) == true, "\(message ?? "accepted")")
        #expect(message?.contains("longer than 512 bytes") == true, "\(message ?? "accepted")")
        // The limit is in bytes: 257 two-byte characters are too long.
        #expect(Self.refusal(body(String(repeating: "é", count: 257))) != nil)
        _ = try Self.parse(body(String(repeating: "é", count: 256)))
    }

    @Test("one bad event refuses the whole array")
    func allOrNothing() {
        let message = Self.refusal(#"[{"scope":"a"},{"scope":"b"},{"scope":"c","audiance":["1"]},{"scope":"d"}]"#)
        #expect(message?.contains("[2].audiance") == true)
    }

    @Test("the error describes itself with its message")
    func errorDescription() {
        let error = PublishRequestError("scope: required")
        #expect(error.description == "scope: required")
        #expect(PublishRequest.fields == ["scope", "event", "data", "paths", "origin", "audience"])
    }

    @Test("an audience naming one id in two Unicode forms is refused: as a set it would lose a user")
    func audienceWithEquivalentIDs() throws {
        let body = Array(#"{"scope":"s","data":"x","audience":["\#u{E9}","e\#u{301}"]}"#.utf8)
        #expect { try PublishRequest.parse(body) } throws: { "\($0)".contains("different Unicode forms") }
        #expect(try PublishRequest.parse(Array(#"{"scope":"s","audience":["a","a","b"]}"#.utf8))[0].audience == ["a", "b"])
    }
}
