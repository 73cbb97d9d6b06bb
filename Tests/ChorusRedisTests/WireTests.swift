import ChorusCore
@testable import ChorusRedis
import Testing

@Suite("Channel messages, replay rule, backoff")
struct WireTests {
    @Test func readsWhatItWrites() {
        let messages: [ChannelMessage] = [
            .event(EventID(milliseconds: 1_700_000_000_000, sequence: 3), json: Array(#"{"v":1,"scope":"a b"}"#.utf8)),
            .control(json: Array(#"{"v":1,"kind":"close-user","user":"42"}"#.utf8)),
            .probe(token: "abc123", nonce: 17),
        ]
        for message in messages {
            #expect(ChannelMessage(message.payload) == message)
        }
    }

    @Test(arguments: ["", "e", "e ", "e 12", "e x-1 {}", "e -1 {}", "p token", "p token x", "x {}", "hello world", "c"])
    func refusesJunk(_ text: String) {
        #expect(ChannelMessage(Array(text.utf8)) == nil)
    }

    @Test func previewsArePrintableAndShort() {
        let preview = ChannelMessage.preview(Array("bad\u{1}\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 200))
        #expect(!preview.contains("\n"))
        #expect(preview.count < 120)
    }

    static let floor = EventID(milliseconds: 100, sequence: 5)
    static let first = EventID(milliseconds: 120, sequence: 0)

    @Test func replayRule() {
        func page(floor: EventID?, first: EventID?) -> HistoryPage {
            HistoryPage(floor: floor, count: first == nil ? 0 : 1, firstID: first, lastID: first)
        }
        let trimmed = page(floor: Self.floor, first: Self.first)
        #expect(ReplayReader.isComplete(after: Self.floor, page: trimmed), "after the newest trimmed id")
        #expect(ReplayReader.isComplete(after: Self.first, page: trimmed))
        #expect(!ReplayReader.isComplete(after: EventID(milliseconds: 100, sequence: 4), page: trimmed))
        #expect(!ReplayReader.isComplete(after: .zero, page: trimmed))
        #expect(!ReplayReader.isComplete(after: nil, page: trimmed), "from the beginning, but some were trimmed")

        let untrimmed = page(floor: Self.first, first: Self.first)
        #expect(ReplayReader.isComplete(after: nil, page: untrimmed), "from the beginning, nothing trimmed")
        #expect(!ReplayReader.isComplete(after: .zero, page: untrimmed), ".zero is from before the stream began")
        #expect(!ReplayReader.isComplete(after: Self.floor, page: untrimmed), "an id from before the stream began")

        let noStream = page(floor: nil, first: nil)
        #expect(ReplayReader.isComplete(after: nil, page: noStream))
        #expect(!ReplayReader.isComplete(after: .zero, page: noStream))
        #expect(!ReplayReader.isComplete(after: Self.floor, page: noStream), "an id from a stream that is gone")
    }

    @Test func replayReaderPagesUntilAShortPage() {
        var reader = ReplayReader(after: nil, pageSize: 2)
        let ids = (1...3).map { EventID(milliseconds: UInt64($0), sequence: 0) }
        let envelopes = ids.map { Envelope(id: $0, scope: "s") }
        #expect(reader.next == .after(nil))
        reader.add(HistoryPage(floor: ids[0], count: 2, firstID: ids[0], lastID: ids[1], events: Array(envelopes[..<2])))
        #expect(reader.next == .after(ids[1]))
        reader.add(HistoryPage(floor: ids[0], count: 1, firstID: ids[2], lastID: ids[2], events: [envelopes[2]]))
        #expect(reader.next == .done)
        #expect(reader.result == Replay(events: envelopes, isComplete: true))
    }

    @Test func replayReaderNoticesATrimBetweenPages() {
        var reader = ReplayReader(after: nil, pageSize: 1)
        let ids = (1...3).map { EventID(milliseconds: UInt64($0), sequence: 0) }
        reader.add(HistoryPage(floor: ids[0], count: 1, firstID: ids[0], lastID: ids[0], events: [Envelope(id: ids[0], scope: "s")]))
        #expect(reader.result.isComplete)
        // Meanwhile the history dropped ids[0] and ids[1]: the floor moved past the next start.
        reader.add(HistoryPage(floor: ids[1], count: 0, firstID: nil, lastID: nil))
        #expect(reader.result.isComplete == false)
    }

    @Test func backoffDoublesUpToTheMaximumWithJitter() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        let delays = (0..<10).map { _ in backoff.next() }
        #expect(delays[0] >= .milliseconds(50) && delays[0] <= .milliseconds(100))
        #expect(delays[3] >= .milliseconds(400) && delays[3] <= .milliseconds(800))
        #expect(delays.allSatisfy { $0 <= .seconds(1) })
        #expect(delays[9] >= .milliseconds(500))
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }
}
