import ChorusBench
import ChorusTesting
import Testing

@Suite("chorus-bench's response scanner")
struct SSEStreamParserTests {
    struct Stamp: Equatable {
        var nanos: UInt64
        var sequence: UInt64
    }

    /// Feeds `bytes` in pieces cut at `cuts` and returns what the parser reported.
    static func scan(_ bytes: [UInt8], cuts: [Int] = []) -> (stamps: [Stamp], parser: SSEStreamParser) {
        var parser = SSEStreamParser()
        var stamps: [Stamp] = []
        var start = 0
        for end in (cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]) where end > start {
            bytes[start..<end].withUnsafeBytes { piece in
                parser.feed(piece) { stamps.append(Stamp(nanos: $0, sequence: $1)) }
            }
            start = end
        }
        return (stamps, parser)
    }

    static let events = ": heartbeat\n\nretry: 2000\n\nid: 1-0\nevent: update\ndata: 1795266831933000000 0 xxxxxxxx\n\n"
        + "id: 1-1\ndata: hello, not a stamp\n\n"
        + "data: 1795266831934000000 1\n\n"
        + "id: 1-2\ndata:1795266831935000000 2 padding padding\ndata: second line is ignored 9 9\n\n"

    static let expected = [
        Stamp(nanos: 1_795_266_831_933_000_000, sequence: 0),
        Stamp(nanos: 1_795_266_831_934_000_000, sequence: 1),
        Stamp(nanos: 1_795_266_831_935_000_000, sequence: 2),
    ]

    static func chunked(_ body: String, sizes: [Int]) -> [UInt8] {
        var out = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var bytes = Array(body.utf8)[...]
        var index = 0
        while !bytes.isEmpty {
            let size = min(sizes[index % sizes.count], bytes.count)
            index += 1
            out += Array(String(size, radix: 16).utf8) + (index == 2 ? Array(";ext=1".utf8) : []) + [13, 10]
            out += bytes.prefix(size) + [13, 10]
            bytes = bytes.dropFirst(size)
        }
        return out + Array("0\r\n\r\n".utf8)
    }

    @Test("a plain (not chunked) stream: stamped data lines are reported, everything else skipped")
    func plainStream() {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n\(Self.events)".utf8)
        let result = Self.scan(bytes)
        #expect(result.stamps == Self.expected)
        #expect(result.parser.status == 200)
        #expect(result.parser.chunked == false)
        #expect(result.parser.phase == .body)
    }

    @Test("a chunked stream with chunk boundaries inside lines, and its last chunk ends the body")
    func chunkedStream() {
        for sizes in [[1], [3, 7], [16], [1000]] {
            let result = Self.scan(Self.chunked(Self.events, sizes: sizes))
            #expect(result.stamps == Self.expected, "chunk sizes \(sizes)")
            #expect(result.parser.chunked)
            #expect(result.parser.phase == .finished)
        }
    }

    @Test("the same result wherever the reads split the bytes")
    func anySplit() {
        let bytes = Self.chunked(Self.events, sizes: [5, 11])
        for cut in 0...bytes.count {
            #expect(Self.scan(bytes, cuts: [cut]).stamps == Self.expected, "cut at \(cut)")
        }
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let cuts = (0..<6).map { _ in Int(generator.next() % UInt64(bytes.count)) }
            #expect(Self.scan(bytes, cuts: cuts).stamps == Self.expected, "cuts \(cuts)")
        }
    }

    @Test("a refusal is seen as its status, with no deliveries")
    func errorStatus() {
        let bytes = Array("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
        let result = Self.scan(bytes)
        #expect(result.parser.status == 401)
        #expect(result.stamps.isEmpty)
    }

    @Test("garbage instead of a status line fails the parse")
    func notHTTP() {
        let result = Self.scan(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8))
        guard case .failed = result.parser.phase else {
            Issue.record("expected a failed phase, got \(result.parser.phase)")
            return
        }
    }

    @Test("URL templates give host, port and the path for a scope")
    func urlTemplates() throws {
        let chorus = try URLTemplate("http://127.0.0.1:8081/events?scope={scope}")
        #expect(chorus.host == "127.0.0.1")
        #expect(chorus.port == 8081)
        #expect(chorus.hasScope)
        #expect(chorus.path(scope: "s-7") == "/events?scope=s-7")
        let nchan = try URLTemplate("http://localhost/sub/{scope}")
        #expect(nchan.port == 80)
        #expect(nchan.path(scope: "room") == "/sub/room")
        #expect(throws: BenchError.self) { try URLTemplate("https://example.test/") }
        #expect(throws: BenchError.self) { try URLTemplate("http://127.0.0.1:0/") }
    }
}
