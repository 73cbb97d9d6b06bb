import ChorusCore
import Testing

@Suite("History ring and replay")
struct HistoryTests {
    static func id(_ ms: UInt64, _ seq: UInt64 = 0) -> EventID { EventID(milliseconds: ms, sequence: seq) }

    static func envelope(_ ms: UInt64) -> Envelope {
        Envelope(id: id(ms), scope: "doc:\(ms % 3)", event: "e\(ms)", data: "payload \(ms)")
    }

    /// A history of `capacity` holding the events with ids 1…`count` (in milliseconds; `count` ≥ 1).
    static func history(capacity: Int, count: UInt64, floor: EventID = .zero) -> HistoryRing {
        var ring = HistoryRing(capacity: capacity, floor: floor)
        for ms in 1...count { ring.append(envelope(ms)) }
        return ring
    }

    static func ms(_ replay: Replay) -> [UInt64] { replay.events.map { $0.id!.milliseconds } }

    @Test("a new history is empty and complete after its floor")
    func empty() {
        let ring = HistoryRing(capacity: 4)
        #expect(ring.count == 0)
        #expect(ring.lastID == nil)
        #expect(ring.floor == .zero)
        #expect(ring.replay(after: .zero).withoutLatest == Replay(events: [], isComplete: true))
    }

    @Test("it keeps at most its capacity, dropping the oldest first")
    func bound() {
        let ring = Self.history(capacity: 3, count: 5)
        #expect(ring.count == 3)
        #expect(ring.lastID == Self.id(5))
        #expect(ring.floor == Self.id(2))
        #expect(Self.ms(ring.replay(after: Self.id(2))) == [3, 4, 5])
    }

    @Test("capacity one keeps only the newest")
    func capacityOne() {
        let ring = Self.history(capacity: 1, count: 4)
        #expect(ring.count == 1)
        #expect(ring.floor == Self.id(3))
        #expect(ring.replay(after: Self.id(3)).withoutLatest == Replay(events: [Self.envelope(4)], isComplete: true))
        #expect(ring.replay(after: Self.id(2)).isComplete == false)
    }

    @Test("replay after an id in the middle gives exactly the later events, whole and in order", arguments: [1, 2, 3, 4] as [UInt64])
    func afterMiddle(after: UInt64) {
        let ring = Self.history(capacity: 10, count: 5)
        let replay = ring.replay(after: Self.id(after))
        #expect(replay.isComplete)
        #expect(replay.events == ((after + 1)...5).map(Self.envelope))
    }

    @Test("replay after the last id is empty and complete")
    func afterLast() {
        let ring = Self.history(capacity: 10, count: 5)
        #expect(ring.replay(after: Self.id(5)).withoutLatest == Replay(events: [], isComplete: true))
    }

    @Test("replay after an id newer than anything published is empty and incomplete, with the newest id to resume from")
    func afterFuture() {
        let ring = Self.history(capacity: 10, count: 5)
        #expect(ring.replay(after: Self.id(99)) == Replay(events: [], isComplete: false, latestID: Self.id(5)))
        #expect(HistoryRing(capacity: 3, floor: Self.id(10)).replay(after: Self.id(11)).isComplete == false)
    }

    @Test("a replay is read in pages: at most limit events, and the next page starts after the last")
    func pages() {
        let ring = Self.history(capacity: 10, count: 10)
        var after = ring.floor
        var pages: [[UInt64]] = []
        while true {
            let page = ring.replay(after: after, limit: 3)
            #expect(page.isComplete)
            #expect(page.latestID == Self.id(10))
            pages.append(Self.ms(page))
            guard page.events.count == 3, let last = page.events.last?.id else { break }
            after = last
        }
        #expect(pages == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]])
        #expect(ring.replay(after: ring.floor, limit: 0).events.isEmpty)
    }

    @Test("replay after an id between two retained ids starts at the next retained one")
    func betweenIDs() {
        var ring = HistoryRing(capacity: 10)
        for ms: UInt64 in [10, 20, 30] { ring.append(Self.envelope(ms)) }
        #expect(Self.ms(ring.replay(after: Self.id(15))) == [20, 30])
        #expect(Self.ms(ring.replay(after: Self.id(20, 5))) == [30])
        #expect(Self.ms(ring.replay(after: Self.id(19, .max))) == [20, 30])
    }

    @Test("replay after an id older than the floor is incomplete and gives what is retained")
    func olderThanFloor() {
        let ring = Self.history(capacity: 3, count: 10) // retains 8, 9, 10; floor 7
        #expect(ring.floor == Self.id(7))
        let replay = ring.replay(after: Self.id(1))
        #expect(replay.isComplete == false)
        #expect(Self.ms(replay) == [8, 9, 10])
        #expect(ring.replay(after: .zero).isComplete == false)
    }

    @Test("replay after a dropped id (not the last dropped) is incomplete", arguments: [4, 5, 6] as [UInt64])
    func afterDroppedID(dropped: UInt64) {
        let ring = Self.history(capacity: 3, count: 10) // dropped 1…7
        let replay = ring.replay(after: Self.id(dropped))
        #expect(replay.isComplete == false, "events \(dropped + 1)…7 are gone")
        #expect(Self.ms(replay) == [8, 9, 10])
    }

    @Test("replay after exactly the floor is complete: nothing after it was dropped")
    func afterFloor() {
        let ring = Self.history(capacity: 3, count: 10)
        #expect(ring.replay(after: ring.floor).withoutLatest == Replay(events: [8, 9, 10].map(Self.envelope), isComplete: true))
    }

    @Test("a fresh history with a start floor answers only from that floor on")
    func startFloor() {
        let start = Self.id(100, 3)
        var ring = HistoryRing(capacity: 5, floor: start)
        #expect(ring.floor == start)
        #expect(ring.replay(after: start).withoutLatest == Replay(events: [], isComplete: true))
        #expect(ring.replay(after: Self.id(100, 2)).isComplete == false)
        #expect(ring.replay(after: Self.id(99)).isComplete == false)
        #expect(ring.replay(after: .zero).isComplete == false)

        let first = Envelope(id: Self.id(100, 4), scope: "s", data: "first")
        let second = Envelope(id: Self.id(101), scope: "s", data: "second")
        ring.append(first)
        ring.append(second)
        #expect(ring.replay(after: start).withoutLatest == Replay(events: [first, second], isComplete: true))
        #expect(ring.replay(after: Self.id(100, 4)).withoutLatest == Replay(events: [second], isComplete: true))
        #expect(ring.replay(after: Self.id(50)).withoutLatest == Replay(events: [first, second], isComplete: false))
        #expect(ring.floor == start, "nothing was dropped yet")
    }

    @Test("replay keeps every field of the envelopes")
    func fieldsKept() {
        var ring = HistoryRing(capacity: 2)
        let full = Envelope(
            id: Self.id(1), scope: "doc:1", event: "update", data: "{\"a\":1}\nline",
            paths: ["doc.title", "doc.version"], origin: "tab-7", audience: ["42", "7"])
        ring.append(full)
        #expect(ring.replay(after: .zero).events == [full])
    }

    @Test("for every capacity and every id, replay is the suffix after it, complete unless something after it was dropped or it is newer than all")
    func property() {
        for capacity in 1...6 {
            let count: UInt64 = 9
            let ring = Self.history(capacity: capacity, count: count)
            let retained = Array(1...count).suffix(capacity)
            for after in 0...(count + 1) {
                let replay = ring.replay(after: Self.id(after))
                #expect(Self.ms(replay) == retained.filter { $0 > after }, "capacity \(capacity), after \(after)")
                // Complete iff every id in (after, count] is retained, and `after` was ever issued
                // (an id past the newest is from the future).
                let expectedComplete = after <= count && (after + 1 >= retained.first! || after == count)
                #expect(replay.isComplete == expectedComplete, "capacity \(capacity), after \(after)")
            }
        }
    }
}

extension Replay {
    /// The replay without ``latestID``, for comparing events and completeness alone.
    var withoutLatest: Replay { Replay(events: events, isComplete: isComplete) }
}
