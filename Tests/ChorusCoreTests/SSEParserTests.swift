import ChorusCore
import Testing

/// The parser against the WHATWG "event stream interpretation" rules, with hand-written streams.
@Suite("SSE parser")
struct SSEParserTests {
    @Test("a byte order mark at the very start of the stream is ignored")
    func byteOrderMarkAtStart() {
        #expect(seen(parse("\u{FEFF}data: x\n\n").events) == [Seen("message", "x")])
        // Also when it arrives one byte at a time.
        let stream = bytes("\u{FEFF}data: x\n\n")
        #expect(seen(parse(chunks: stream.map { [$0] }).events) == [Seen("message", "x")])
    }

    @Test("a byte order mark anywhere else is part of the line")
    func byteOrderMarkElsewhere() {
        // After the first line, "\u{FEFF}data" is an unknown field name: that line is ignored.
        #expect(seen(parse("data: a\n\n\u{FEFF}data: b\n\n").events) == [Seen("message", "a")])
        // Only one BOM is stripped at the start.
        #expect(parse("\u{FEFF}\u{FEFF}data: x\n\n").events.isEmpty)
        // Not after a leading blank line either: the start of the stream is its first byte.
        #expect(parse("\n\u{FEFF}data: x\n\n").events.isEmpty)
        #expect(parse("\r\n\u{FEFF}data: x\n\n").events.isEmpty)
        // In a value it is data.
        #expect(seen(parse("data: \u{FEFF}x\n\n").events) == [Seen("message", "\u{FEFF}x")])
    }

    @Test("a line that starts like a BOM but is not one is kept")
    func partialByteOrderMark() {
        // U+FEFF is EF BB BF; U+FEFE is EF BB BE. "\u{FEFE}data" is not "data".
        #expect(parse("\u{FEFE}data: x\n\n").events.isEmpty)
        // A first line that is not a BOM is parsed normally, byte by byte too.
        #expect(seen(parse(chunks: bytes("data: x\n\n").map { [$0] }).events) == [Seen("message", "x")])
    }

    @Test("a field name without a colon is a field with an empty value", arguments: [
        ("data\n\n", [Seen("message", "")]),
        ("data\ndata\n\n", [Seen("message", "\n")]),
        ("data\ndata: x\n\n", [Seen("message", "\nx")]),
        ("event\ndata: x\n\n", [Seen("message", "x")]),
    ])
    func fieldWithoutColon(stream: String, expected: [Seen]) {
        #expect(seen(parse(stream).events) == expected)
    }

    @Test("exactly one space after the colon is stripped", arguments: [
        ("data:x\n\n", "x"),
        ("data: x\n\n", "x"),
        ("data:  x\n\n", " x"),
        ("data:\tx\n\n", "\tx"),
        ("data: x \n\n", "x "),
        ("data:\n\n", ""),
        ("data: a:b: c\n\n", "a:b: c"),
    ])
    func spaceAfterColon(stream: String, data: String) {
        #expect(parse(stream).events.map(\.data) == [data])
    }

    @Test("comment lines are counted and dispatch nothing")
    func comments() {
        let result = parse(": heartbeat\n:\n::double\n: data: not a field\n\n")
        #expect(result.events.isEmpty)
        #expect(result.parser.comments == 4)
        // Comments inside an event do not disturb it.
        let inside = parse("data: a\n: note\ndata: b\n\n")
        #expect(seen(inside.events) == [Seen("message", "a\nb")])
        #expect(inside.parser.comments == 1)
    }

    @Test("field names are case-sensitive; unknown fields are ignored", arguments: [
        "Data: x\n\n",
        "DATA: x\n\n",
        "data : x\n\n",
        " data: x\n\n",
        "datum: x\n\n",
        "foo: bar\n\n",
    ])
    func unknownFields(stream: String) {
        #expect(parse(stream).events.isEmpty)
    }

    @Test("only lowercase event and id fields are honoured")
    func caseSensitiveEventAndID() {
        let result = parse("EVENT: shout\nID: 9\nRetry: 5\ndata: x\n\n")
        #expect(seen(result.events) == [Seen("message", "x")])
        #expect(result.parser.lastEventID == "")
        #expect(result.parser.retry == nil)
    }

    @Test("an id containing NUL is ignored; the previous id stays")
    func idWithNUL() {
        let result = parse("id: 1\ndata: a\n\nid: 2\u{0}x\ndata: b\n\n")
        #expect(seen(result.events) == [Seen("message", "a", lastEventID: "1"), Seen("message", "b", lastEventID: "1")])
        #expect(result.parser.lastEventID == "1")
    }

    @Test("retry accepts only ASCII digits", arguments: [
        ("retry: 1500\n", 1500 as Int?),
        ("retry:0\n", 0),
        ("retry: 15a0\n", nil),
        ("retry: -5\n", nil),
        ("retry: +5\n", nil),
        ("retry:  100\n", nil),
        ("retry: 1.5\n", nil),
        ("retry: \n", nil),
        ("retry\n", nil),
        ("retry: ١٢\n", nil),
        ("retry: 99999999999999999999999999\n", nil),
    ])
    func retry(stream: String, expected: Int?) {
        #expect(parse(stream).parser.retry == expected)
    }

    @Test("an invalid retry leaves the previous valid one in force")
    func invalidRetryKeepsPrevious() {
        #expect(parse("retry: 1500\nretry: abc\nretry: \n").parser.retry == 1500)
        #expect(parse("retry: 1500\nretry: 20\n").parser.retry == 20)
    }

    @Test("an event without data is not dispatched, and its type does not leak into the next")
    func eventWithoutData() {
        #expect(parse("event: ping\n\n").events.isEmpty)
        #expect(parse("id: 3\n\n").events.isEmpty)
        #expect(seen(parse("event: ping\n\ndata: x\n\n").events) == [Seen("message", "x")])
    }

    @Test("the event type is reset after each dispatch")
    func eventTypeResets() {
        #expect(seen(parse("event: a\ndata: 1\n\ndata: 2\n\n").events) == [Seen("a", "1"), Seen("message", "2")])
    }

    @Test("the last event id persists across events until changed, and an empty id clears it")
    func lastEventIDPersists() {
        let result = parse("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 8\ndata: d\n\n")
        #expect(seen(result.events) == [
            Seen("message", "a", lastEventID: "7"),
            Seen("message", "b", lastEventID: "7"),
            Seen("message", "c", lastEventID: ""),
            Seen("message", "d", lastEventID: "8"),
        ])
        #expect(result.parser.lastEventID == "8")
    }

    @Test("an id on an event without data still becomes the last event id")
    func idWithoutData() {
        // WHATWG: dispatch sets the last event id string even when the data buffer is empty.
        let result = parse("id: 5\n\ndata: x\n\n")
        #expect(seen(result.events) == [Seen("message", "x", lastEventID: "5")])
        #expect(result.parser.lastEventID == "5")
    }

    /// Regression: the parser once set `lastEventID` from the `id:` field as soon as it was read.
    @Test("an id of an event that was never completed is not the last event id")
    func idOfIncompleteEventIsNotLastEventID() {
        // The stream ends in the middle of event 5 (no blank line): a browser discards it and
        // reconnects with the previous Last-Event-ID, so the server resends event 5. Reporting "5"
        // here would make a reconnecting client skip an event it never saw.
        var parser = SSEParser()
        #expect(seen(parser.feed(bytes("id: 4\ndata: a\n\nid: 5\ndata: b\n"))) == [Seen("message", "a", lastEventID: "4")])
        #expect(parser.lastEventID == "4")
        // Once the blank line arrives, event 5 is dispatched and its id is in force.
        #expect(seen(parser.feed(bytes("\n"))) == [Seen("message", "b", lastEventID: "5")])
        #expect(parser.lastEventID == "5")
    }

    @Test("CR, LF and CRLF all end lines")
    func lineEndings() {
        #expect(seen(parse("data: a\rdata: b\r\ndata: c\n\r\n").events) == [Seen("message", "a\nb\nc")])
        #expect(seen(parse("data: x\r\r").events) == [Seen("message", "x")])
        #expect(seen(parse("data: x\r\n\r\n").events) == [Seen("message", "x")])
        #expect(seen(parse("data: x\n\n").events) == [Seen("message", "x")])
    }

    @Test("a CRLF split across two chunks is one line ending, not a blank line")
    func crlfSplitAcrossChunks() {
        let split = parse(chunks: [bytes("data: a\r"), bytes("\ndata: b\r"), bytes("\n\r"), bytes("\n")])
        #expect(seen(split.events) == [Seen("message", "a\nb")])
        // A CR at the end of a chunk followed by another CR is two line endings.
        let twoCRs = parse(chunks: [bytes("data: a\r"), bytes("\r")])
        #expect(seen(twoCRs.events) == [Seen("message", "a")])
    }

    @Test("an event is dispatched only when its blank line arrives; a truncated one never is")
    func incompleteEvent() {
        var parser = SSEParser()
        #expect(parser.feed(bytes("data: a\n")).isEmpty)
        #expect(parser.feed(bytes("data: b")).isEmpty)
        #expect(parser.feed(bytes("\n")).isEmpty)
        #expect(seen(parser.feed(bytes("\n"))) == [Seen("message", "a\nb")])
        #expect(parse("data: never finished\n").events.isEmpty)
    }

    @Test("several events in one chunk come out in order")
    func severalEvents() {
        let result = parse("event: a\ndata: 1\n\nevent: b\ndata: 2\n\n\n\ndata: 3\n\n")
        #expect(seen(result.events) == [Seen("a", "1"), Seen("b", "2"), Seen("message", "3")])
    }

    @Test("invalid UTF-8 is decoded with replacement characters, like a browser")
    func invalidUTF8() {
        let stream = bytes("data: a") + [0xFF] + bytes("b\n\n")
        #expect(parse(chunks: [stream]).events.map(\.data) == ["a\u{FFFD}b"])
    }
}
