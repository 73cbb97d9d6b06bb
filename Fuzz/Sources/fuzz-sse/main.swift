// The event-stream parser (the client and load tool read streams from any server) and the encoder
// (every frame a node writes). The parser never traps and gives the same events however the bytes
// are cut into reads; an encoded event parses back to exactly the event written.
import ChorusCore
import FuzzSupport

struct Parsed: Equatable {
    var events: [[[UInt8]]] = []
    var lastEventID: [UInt8] = []
    var retry: Int?
    var comments = 0

    init(_ chunks: [ArraySlice<UInt8>]) {
        var parser = SSEParser()
        for chunk in chunks {
            events += parser.feed(chunk).map { [Array($0.type.utf8), Array($0.data.utf8), Array($0.lastEventID.utf8)] }
        }
        lastEventID = Array(parser.lastEventID.utf8)
        retry = parser.retry
        comments = parser.comments
    }
}

/// The input cut into reads of 1…8 bytes, the sizes taken from the input itself.
func chunks(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
    var result: [ArraySlice<UInt8>] = []
    var start = 0
    var turn = 0
    while start < input.count {
        let size = Int(input[turn % input.count] % 8) + 1
        let end = min(input.count, start + size)
        result.append(input[start..<end])
        start = end
        turn += 1
    }
    return result
}

Fuzzer.run { input in
    // 1. Any stream: one read or many small ones give the same result.
    let whole = Parsed([input[...]])
    expect(Parsed(chunks(input)) == whole, "the events depend on how the stream is cut into reads")

    // 2. Any event the encoder accepts: the parser reads back exactly that event. The input gives
    //    id, event name, data and retry, separated by 0xFF (never part of UTF-8 text).
    let fields = input.pieces(separatedBy: 0xFF, maxPieces: 4).map { String(decoding: $0, as: UTF8.self) }
    let retry = fields.count > 3 ? Int(fields[3].prefix(18).filter(\.isNumber).prefix(18)) : nil
    let event = ServerSentEvent(
        id: fields.count > 1 ? fields[0] : nil,
        event: fields.count > 2 ? fields[1] : nil,
        data: fields.last ?? "",
        retry: retry
    )
    guard let frame = try? SSEEncoder.encode(event) else {
        let forbidden = event.event?.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) == true
            || event.id?.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) == true
        expect(forbidden, "the encoder refused a writable event")
        return
    }
    let read = Parsed([frame[...]])
    expect(read.events.count == 1, "one event became \(read.events.count)")
    let name = event.event.flatMap { $0.isEmpty ? nil : $0 } ?? "message"
    expect(read.events[0][0] == Array(name.utf8), "type changed")
    expect(read.events[0][1] == normalizingLineEnds(Array(event.data.utf8)), "data changed")
    expect(read.events[0][2] == Array((event.id ?? "").utf8), "id changed")
    expect(read.retry == event.retry, "retry changed")
    expect(Parsed(chunks(frame + input)) == Parsed([frame[...], input[...]]), "cutting differs after a frame")

    // 3. A comment (heartbeat) never dispatches anything and is one comment line per text line.
    let comment = SSEEncoder.comment(fields[0])
    let commentRead = Parsed([comment[...]])
    expect(commentRead.events.isEmpty && commentRead.lastEventID.isEmpty, "a comment dispatched an event")
    expect(commentRead.comments == normalizingLineEnds(Array(fields[0].utf8)).filter { $0 == 0x0A }.count + 1, "comment lines miscounted")
}
