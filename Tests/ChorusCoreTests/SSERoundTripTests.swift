import ChorusCore
import ChorusTesting
import Testing

/// Property: what the encoder writes is what a browser reads, however the bytes are chunked.
@Suite("SSE encoder → parser round trip")
struct SSERoundTripTests {
    static let trickyData: [String] = [
        "",
        " ",
        "  two leading spaces",
        "trailing space ",
        "plain",
        "a\nb",
        "a\rb",
        "a\r\nb",
        "\n",
        "\r",
        "\r\n",
        "\n\n",
        "\r\r",
        "\n\r",
        "a\n\r\nb\r\rc\n",
        "ends with CR\r",
        "ends with CRLF\r\n",
        "\r\nstarts with CRLF",
        ":looks like a comment",
        "data: looks like a field",
        "x\n\nid: 666\nevent: injected\n\ndata: y",
        "\u{FEFF}leading BOM",
        "tab\tinside",
        "nul\u{0}inside",
        "emoji 👋🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷",
        "世界\r\nこんにちは",
        "combining e\u{301}\u{327}",
        "\u{2028}\u{2029}\u{85}",
        #"{"json":"with \"quotes\" and \\n escapes"}"#,
        String(repeating: "long line ", count: 2_000),
        String(repeating: "a\r\n", count: 500),
    ]

    static let eventNames: [String?] = [nil, "", "update", " leading space", "ünïcødé 🎉", "with:colon", "message"]

    static func encoded(_ data: String, _ name: String?) throws -> [UInt8] {
        try SSEEncoder.encode(ServerSentEvent(id: "123-4", event: name, data: data))
    }

    static func expected(_ data: String, _ name: String?) -> [Seen] {
        let type = (name ?? "").isEmpty ? "message" : name!
        return [Seen(type, normalizingLineEndings(data), lastEventID: "123-4")]
    }

    @Test("fed in one piece", arguments: trickyData, eventNames)
    func wholeStream(data: String, name: String?) throws {
        let stream = try Self.encoded(data, name)
        #expect(seen(parse(chunks: [stream]).events) == Self.expected(data, name))
    }

    @Test("fed one byte at a time", arguments: trickyData, eventNames)
    func byteByByte(data: String, name: String?) throws {
        let stream = try Self.encoded(data, name)
        #expect(seen(parse(chunks: stream.map { [$0] }).events) == Self.expected(data, name))
    }

    @Test("fed in random chunk sizes", arguments: trickyData, [1, 2, 3, 7, 64])
    func randomChunking(data: String, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed &* 0x5851_F42D_4C95_7F2D &+ UInt64(data.utf8.count))
        let stream = try Self.encoded(data, "update")
        for _ in 0..<8 {
            let chunks = randomChunks(stream, maximum: 5, using: &rng)
            #expect(seen(parse(chunks: chunks).events) == Self.expected(data, "update"))
        }
    }

    /// The encoder writes LF only; browsers accept CRLF and CR too. Rewriting the line endings of
    /// the encoded stream must not change what is read, wherever the stream is cut, including
    /// between the CR and the LF of a CRLF.
    @Test("with CRLF or CR line endings, cut at every position", arguments: trickyData.filter { $0.utf8.count < 200 }, ["\r\n", "\r"])
    func otherLineEndingsCutEverywhere(data: String, ending: String) throws {
        // A data value containing a lone CR/LF is split by the encoder into lines already, so the
        // stream has only LF endings here and every LF can be rewritten.
        let lf = try Self.encoded(data, "update")
        var rewritten: [UInt8] = []
        for byte in lf {
            if byte == 0x0A { rewritten += bytes(ending) } else { rewritten.append(byte) }
        }
        let expected = Self.expected(data, "update")
        for cut in 0...rewritten.count {
            let chunks = [Array(rewritten[..<cut]), Array(rewritten[cut...])]
            #expect(seen(parse(chunks: chunks).events) == expected, "cut at byte \(cut)")
        }
    }

    @Test("a stream of many events keeps every event, in order, whatever the chunking")
    func manyEvents() throws {
        var stream = SSEEncoder.retry(milliseconds: 1000)
        var expected: [Seen] = []
        for (index, data) in Self.trickyData.enumerated() {
            let name = Self.eventNames[index % Self.eventNames.count]
            try SSEEncoder.encode(ServerSentEvent(id: "\(index)-0", event: name, data: data), into: &stream)
            stream += SSEEncoder.comment("heartbeat \(index)\nsecond line")
            let type = (name ?? "").isEmpty ? "message" : name!
            expected.append(Seen(type, normalizingLineEndings(data), lastEventID: "\(index)-0"))
        }
        var rng = SplitMix64(seed: 42)
        for maximum in [1, 3, 17, 256, stream.count] {
            let result = parse(chunks: randomChunks(stream, maximum: maximum, using: &rng))
            #expect(seen(result.events) == expected)
            #expect(result.parser.comments == 2 * Self.trickyData.count)
            #expect(result.parser.retry == 1000)
            #expect(result.parser.lastEventID == "\(Self.trickyData.count - 1)-0")
        }
    }
}
