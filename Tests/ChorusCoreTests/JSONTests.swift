import ChorusCore
import Testing

@Suite("JSON parser and writer")
struct JSONTests {
    @Test("compact documents round-trip byte for byte: key order and number text are kept", arguments: [
        #"{"b":1,"a":2}"#,
        #"{"z":{"y":[true,false,null]},"a":"x","m":{}}"#,
        #"[1.50,-0,1e5,1E+5,2.5e-3,-0.0,0.10,12345678901234567890,-98765432109876543210.000]"#,
        #"[]"#,
        #"{}"#,
        #"0"#,
        #"-0"#,
        #"true"#,
        #"null"#,
        #""""#,
        #""héllo wörld 👋🏽 世界""#,
        #"[[],[[]],{"":""}]"#,
        #"{"a":[{"b":[{"c":[]}]}],"a2":1}"#,
        #""quote \" backslash \\ newline \n tab \t""#,
    ])
    func roundTrip(document: String) throws {
        let value = try JSONParser.parse(document)
        #expect(value.serialized == document)
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test("numbers keep their exact text", arguments: ["1.50", "-0", "1e5", "1E5", "1e+05", "12345678901234567890", "0.1", "-1.0E-7"])
    func numberText(number: String) throws {
        #expect(try JSONParser.parse(number) == .number(number))
        #expect(try JSONParser.parse("[\(number)]").serialized == "[\(number)]")
    }

    @Test("object members keep document order, and duplicates are all kept")
    func memberOrder() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":2,"c":3}"#)
        guard case .object(let members) = value else {
            Issue.record("expected an object, got \(value)")
            return
        }
        #expect(members.map(\.key) == ["b", "a", "c"])
        #expect(value["a"] == .number("2"))
        #expect(value["missing"] == nil)
        #expect(value != (try JSONParser.parse(#"{"a":2,"b":1,"c":3}"#)), "order is part of the value")

        // A duplicate key is not silently merged (the publish API needs to see it to refuse it).
        let duplicate = try JSONParser.parse(#"{"a":1,"a":2}"#)
        guard case .object(let dupMembers) = duplicate else {
            Issue.record("expected an object")
            return
        }
        #expect(dupMembers.map(\.key) == ["a", "a"])
    }

    @Test("insignificant whitespace is accepted and dropped by the writer")
    func whitespace() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" : [ 1 , 2.50 , { } ] , \"b\":\"x y\" } \n")
        #expect(value.serialized == #"{"a":[1,2.50,{}],"b":"x y"}"#)
    }

    @Test("malformed documents are refused", arguments: [
        "", " ", "[", "]", "{", "}", "[1", "{\"a\":1",
        "[1,]", "{\"a\":1,}", "[,1]", "[1,,2]", "{,}",
        "// comment\n1", "/* comment */ 1", "[1 /* c */]", "{\"a\":1 // c\n}", "# hash\n1",
        "'a'", "{'a':1}", "{\"a\":'b'}",
        "01", "-01", "00", "[01]", "{\"a\":007}",
        "1.", ".5", "+1", "1e", "1e+", "-", "--1", "1.e5", "0x10", "NaN", "Infinity", "-Infinity", "1_000",
        #""\uD800""#, #""\uDC00""#, #""\uD800\u0041""#, #""\uD800x""#, #""\uDBFF\uDBFF""#, #""\uDFFF\uD800""#,
        #""\u12""#, #""\u12G4""#, #""\x41""#, #""\'""#, #""\U0041""#, "\"\\",
        "\"unterminated", "\"a\u{0}b\"", "\"a\u{1}b\"", "\"tab\there\"", "\"line\nbreak\"", "\"cr\rhere\"", "\"\u{1F}\"",
        "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{1:2}", "{a:1}", "{\"a\":1 \"b\":2}", "[1 2]",
        "[1] x", "{} {}", "1 2", "truex", "true false", "nul", "tru", "True", "NULL", "nulll",
        "\u{A0}1", "\u{0}",
    ])
    func rejects(document: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(document) }
    }

    @Test("invalid UTF-8 is refused, in strings and outside them", arguments: [
        [0x22, 0xFF, 0x22],                   // never valid
        [0x22, 0xC3, 0x22],                   // truncated two-byte sequence
        [0x22, 0xC0, 0x80, 0x22],             // overlong NUL
        [0x22, 0xE0, 0x80, 0xAF, 0x22],       // overlong "/"
        [0x22, 0xED, 0xA0, 0x80, 0x22],       // UTF-8-encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // beyond U+10FFFF
        [0x22, 0x80, 0x22],                   // lone continuation byte
        [0x22, 0x61, 0xE2, 0x82, 0x22],       // truncated three-byte sequence
        [0xFF],
        [0x5B, 0xC3, 0xA9, 0x5D],             // "[é]": non-ASCII outside a string
    ] as [[UInt8]])
    func invalidUTF8(document: [UInt8]) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(document) }
    }

    @Test("valid multi-byte UTF-8 in strings is accepted")
    func validUTF8() throws {
        #expect(try JSONParser.parse([0x22, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0x22]) == .string("é😀"))
    }

    @Test("nesting up to 64 levels is accepted, deeper is refused", arguments: [1, 2, 63, 64])
    func nestingAccepted(depth: Int) throws {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try JSONParser.parse(arrays).serialized == arrays)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(try JSONParser.parse(objects).serialized == objects)
    }

    @Test("nesting deeper than 64 levels is refused", arguments: [65, 66, 100])
    func nestingRefused(depth: Int) {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(arrays) }
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(objects) }
    }

    /// Regression: the depth check once ran for scalars too, so 64 arrays around a number were refused
    /// while 64 arrays around nothing were accepted.
    @Test("a scalar inside 64 levels of nesting is accepted like an empty container")
    func scalarAtMaximumDepth() throws {
        for scalar in ["1", "\"s\"", "true", "null"] {
            let arrays = String(repeating: "[", count: 64) + scalar + String(repeating: "]", count: 64)
            #expect(try JSONParser.parse(arrays).serialized == arrays)
            let objects = String(repeating: #"{"a":"#, count: 64) + scalar + String(repeating: "}", count: 64)
            #expect(try JSONParser.parse(objects).serialized == objects)
            let tooDeep = "[" + arrays + "]"
            #expect(throws: JSONParser.Error.self) { try JSONParser.parse(tooDeep) }
        }
    }

    @Test("absurdly deep input is refused with an error, not a crash")
    func hugeDepth() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: "[", count: 200_000)) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: #"{"a":"#, count: 200_000)) }
    }

    @Test("the error says where parsing stopped")
    func errorOffset() {
        let trailingComma = #expect(throws: JSONParser.Error.self) { try JSONParser.parse("[1,]") }
        #expect(trailingComma?.offset == 3)
        #expect(trailingComma?.description.contains("byte 3") == true)
        let garbage = #expect(throws: JSONParser.Error.self) { try JSONParser.parse("{} x") }
        #expect(garbage?.offset == 3)
    }

    @Test("escapes decode to the characters they stand for", arguments: [
        (#""\u00e9""#, "é"),
        (#""\u00E9""#, "é"),
        (#""caf\u00e9""#, "café"),
        (#""\uD83D\uDE00""#, "😀"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
        (#""\u4e16\u754c""#, "世界"),
        (#""\u0000""#, "\u{0}"),
        (#""\u001f""#, "\u{1F}"),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        (#""a\u0301""#, "a\u{301}"),
        (#""\uFEFF""#, "\u{FEFF}"),
    ])
    func escapes(document: String, expected: String) throws {
        let value = try JSONParser.parse(document)
        #expect(value == .string(expected))
        // Escaped input is written back in its shortest form, and that reads back the same.
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test("the writer escapes quotes, backslashes and every control character")
    func writerEscapes() throws {
        let written = JSONValue.string("\u{0}\u{1}\u{8}\t\n\u{B}\u{C}\r\u{1B}\u{1F} \"\\/é😀\u{7F}").serialized
        #expect(written == #""\u0000\u0001\u0008\t\n\u000b\u000c\r\u001b\u001f \"\\/é😀"# + "\u{7F}\"")
        #expect(try JSONParser.parse(written) == .string("\u{0}\u{1}\u{8}\t\n\u{B}\u{C}\r\u{1B}\u{1F} \"\\/é😀\u{7F}"))
    }

    @Test("every control character survives writing and reading back", arguments: 0..<0x20)
    func everyControlCharacter(code: Int) throws {
        let string = "a\(Character(Unicode.Scalar(UInt8(code))))b"
        let written = JSONValue.string(string).serialized
        #expect(!written.utf8.contains { $0 < 0x20 }, "no raw control bytes in \(written.debugDescription)")
        #expect(try JSONParser.parse(written) == .string(string))
    }

    @Test("object keys are escaped too")
    func keysEscaped() throws {
        let value = JSONValue.object([(key: "a\"b\n", value: .null), (key: "", value: .bool(true))])
        #expect(value.serialized == #"{"a\"b\n":null,"":true}"#)
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test("type names for error messages")
    func typeNames() throws {
        #expect(JSONValue.null.typeName == "null")
        #expect(JSONValue.bool(true).typeName == "a boolean")
        #expect(try JSONParser.parse("1").typeName == "a number")
        #expect(JSONValue.string("").typeName == "a string")
        #expect(JSONValue.array([]).typeName == "an array")
        #expect(JSONValue.object([]).typeName == "an object")
    }
}
