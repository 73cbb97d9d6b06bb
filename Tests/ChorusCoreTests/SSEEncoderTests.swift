import ChorusCore
import Testing

@Suite("SSE encoder")
struct SSEEncoderTests {
    @Test("a simple event is written as id, event and data lines and a blank line")
    func simpleEvent() throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(id: "17-3", event: "update", data: "hello"))
        #expect(text(encoded) == "id: 17-3\nevent: update\ndata: hello\n\n")
    }

    @Test("an event with only data has just the data line")
    func dataOnly() throws {
        #expect(text(try SSEEncoder.encode(ServerSentEvent(data: "hello"))) == "data: hello\n\n")
    }

    @Test("every line break in data starts a new data line", arguments: [
        ("a\nb", "data: a\ndata: b\n\n"),
        ("a\rb", "data: a\ndata: b\n\n"),
        ("a\r\nb", "data: a\ndata: b\n\n"),
        ("a\nb\rc\r\nd", "data: a\ndata: b\ndata: c\ndata: d\n\n"),
        // LF then CR is two line breaks, CR then LF is one.
        ("a\n\rb", "data: a\ndata: \ndata: b\n\n"),
        ("a\r\r\nb", "data: a\ndata: \ndata: b\n\n"),
        ("a\r\n\r\nb", "data: a\ndata: \ndata: b\n\n"),
        ("a\n\nb", "data: a\ndata: \ndata: b\n\n"),
        ("\n", "data: \ndata: \n\n"),
        ("\r\n", "data: \ndata: \n\n"),
        ("\na", "data: \ndata: a\n\n"),
    ])
    func multiLineData(data: String, expected: String) throws {
        #expect(text(try SSEEncoder.encode(ServerSentEvent(data: data))) == expected)
    }

    @Test("empty data still writes a data line, so the browser dispatches the event")
    func emptyData() throws {
        #expect(text(try SSEEncoder.encode(ServerSentEvent(event: "ping", data: ""))) == "event: ping\ndata: \n\n")
        let parsed = parse(chunks: [try SSEEncoder.encode(ServerSentEvent(event: "ping", data: ""))]).events
        #expect(seen(parsed) == [Seen("ping", "")])
    }

    @Test("a trailing line break becomes a final empty data line and survives parsing")
    func trailingNewline() throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(data: "last line\n"))
        #expect(text(encoded) == "data: last line\ndata: \n\n")
        #expect(parse(chunks: [encoded]).events.map(\.data) == ["last line\n"])
    }

    @Test("leading spaces in data survive (one space is written after the colon)", arguments: [" a", "  two", " ", "\tx"])
    func leadingSpace(data: String) throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(data: data))
        #expect(text(encoded) == "data: \(data)\n\n")
        #expect(parse(chunks: [encoded]).events.map(\.data) == [data])
    }

    @Test("unicode is written as UTF-8 unchanged and read back identically", arguments: [
        "👋🏽 hello",
        "世界 こんにちは 안녕",
        "e\u{301}\u{327} combining",
        "👨‍👩‍👧‍👦 family",
        "🇫🇷🇯🇵",
        "\u{2028}\u{2029} separators are not SSE line breaks",
        "\u{FEFF}BOM in the middle of a stream is data",
    ])
    func unicode(data: String) throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(event: "ünïcødé", data: data))
        #expect(encoded == bytes("event: ünïcødé\ndata: ") + bytes(data) + bytes("\n\n"))
        // Prefix the stream with something so a leading U+FEFF in `data` is not at stream start.
        let parsed = parse(chunks: [bytes(": start\n"), encoded]).events
        #expect(seen(parsed) == [Seen("ünïcødé", data)])
    }

    @Test("an event name with CR or LF is refused and nothing is written", arguments: ["a\nb", "a\rb", "a\r\nb", "name\n", "\rname"])
    func eventNameWithLineBreak(name: String) {
        var buffer = bytes("already queued\n\n")
        #expect(throws: SSEEncodingError.newlineInEventName) {
            try SSEEncoder.encode(ServerSentEvent(id: "1-0", event: name, data: "x"), into: &buffer)
        }
        #expect(buffer == bytes("already queued\n\n"))
        #expect(throws: SSEEncodingError.newlineInEventName) { try SSEEncoder.validate(ServerSentEvent(event: name, data: "x")) }
    }

    @Test("an id with CR, LF or NUL is refused and nothing is written", arguments: ["1\n", "1\r", "1\r\n2", "\n", "1\u{0}2", "\u{0}"])
    func invalidID(id: String) {
        var buffer = bytes("already queued\n\n")
        #expect(throws: SSEEncodingError.invalidCharacterInID) {
            try SSEEncoder.encode(ServerSentEvent(id: id, event: "e", data: "x"), into: &buffer)
        }
        #expect(buffer == bytes("already queued\n\n"))
        #expect(throws: SSEEncodingError.invalidCharacterInID) { try SSEEncoder.encode(ServerSentEvent(id: id, data: "x")) }
    }

    @Test("a negative retry is refused and nothing is written")
    func negativeRetry() {
        var buffer: [UInt8] = []
        #expect(throws: SSEEncodingError.negativeRetry) {
            try SSEEncoder.encode(ServerSentEvent(data: "x", retry: -1), into: &buffer)
        }
        #expect(buffer.isEmpty)
    }

    @Test("every encoding error explains itself")
    func errorDescriptions() {
        #expect(SSEEncodingError.newlineInEventName.description.contains("event name"))
        #expect(SSEEncodingError.invalidCharacterInID.description.contains("id"))
        #expect(SSEEncodingError.negativeRetry.description.contains("retry"))
    }

    @Test("encoding into a buffer appends after what is already there")
    func appends() throws {
        var buffer = bytes("data: first\n\n")
        try SSEEncoder.encode(ServerSentEvent(data: "second"), into: &buffer)
        #expect(text(buffer) == "data: first\n\ndata: second\n\n")
        #expect(parse(chunks: [buffer]).events.map(\.data) == ["first", "second"])
    }

    @Test("an empty event name writes no event line (the default message event)")
    func emptyEventName() throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(event: "", data: "x"))
        #expect(text(encoded) == "data: x\n\n")
        #expect(parse(chunks: [encoded]).events.map(\.type) == ["message"])
    }

    @Test("an empty id is written, which resets the browser's last event id")
    func emptyID() throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(id: "", data: "x"))
        #expect(text(encoded) == "id: \ndata: x\n\n")
        let parsed = parse(chunks: [bytes("id: 5\n\n"), encoded])
        #expect(parsed.events.map(\.lastEventID) == [""])
        #expect(parsed.parser.lastEventID == "")
    }

    @Test("retry is written first, as its own field")
    func retryField() throws {
        let encoded = try SSEEncoder.encode(ServerSentEvent(id: "1-0", event: "e", data: "x", retry: 3000))
        #expect(text(encoded) == "retry: 3000\nid: 1-0\nevent: e\ndata: x\n\n")
        #expect(text(try SSEEncoder.encode(ServerSentEvent(data: "x", retry: 0))) == "retry: 0\ndata: x\n\n")
        let parsed = parse(chunks: [encoded])
        #expect(parsed.parser.retry == 3000)
        #expect(parsed.events.count == 1)
    }

    @Test("a standalone retry line sets the reconnection delay and dispatches nothing")
    func standaloneRetry() {
        #expect(text(SSEEncoder.retry(milliseconds: 2500)) == "retry: 2500\n\n")
        #expect(text(SSEEncoder.retry(milliseconds: -5)) == "retry: 0\n\n")
        let parsed = parse(chunks: [SSEEncoder.retry(milliseconds: 2500)])
        #expect(parsed.events.isEmpty)
        #expect(parsed.parser.retry == 2500)
    }

    @Test("comments are colon lines; line breaks start new comment lines and cannot inject fields", arguments: [
        ("heartbeat", ": heartbeat\n\n", 1),
        ("", ":\n\n", 1),
        ("a\nb", ": a\n: b\n\n", 2),
        ("a\rb\r\nc", ": a\n: b\n: c\n\n", 3),
        ("a\n\nb", ": a\n:\n: b\n\n", 3),
        ("x\ndata: injected\n\nid: 666", ": x\n: data: injected\n:\n: id: 666\n\n", 4),
    ])
    func comments(comment: String, expected: String, lines: Int) {
        let encoded = SSEEncoder.comment(comment)
        #expect(text(encoded) == expected)
        let parsed = parse(chunks: [encoded])
        #expect(parsed.events.isEmpty)
        #expect(parsed.parser.comments == lines)
        #expect(parsed.parser.lastEventID == "")
    }

    @Test("an envelope becomes an event with its id, name and data")
    func fromEnvelope() throws {
        let envelope = Envelope(
            id: EventID(milliseconds: 1_700_000_000_123, sequence: 4), scope: "doc:1", event: "update",
            data: "<p>hi</p>", paths: ["doc.title"], origin: "tab-1", audience: ["42"])
        let event = ServerSentEvent(envelope)
        #expect(event == ServerSentEvent(id: "1700000000123-4", event: "update", data: "<p>hi</p>", retry: nil))
        #expect(text(try SSEEncoder.encode(event)) == "id: 1700000000123-4\nevent: update\ndata: <p>hi</p>\n\n")

        let unnamed = ServerSentEvent(Envelope(scope: "s", data: "d"))
        #expect(unnamed == ServerSentEvent(id: nil, event: nil, data: "d"))
        #expect(text(try SSEEncoder.encode(unnamed)) == "data: d\n\n")
    }
}
