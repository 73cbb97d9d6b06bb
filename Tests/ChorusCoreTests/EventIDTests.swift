import ChorusCore
import ChorusTesting
import Testing

@Suite("EventID")
struct EventIDTests {
    @Test("parsing and printing round-trip", arguments: [
        ("0-0", 0, 0),
        ("1-0", 1, 0),
        ("1700000000123-42", 1_700_000_000_123, 42),
        ("18446744073709551615-18446744073709551615", UInt64.max, UInt64.max),
    ] as [(String, UInt64, UInt64)])
    func roundTrip(textForm: String, milliseconds: UInt64, sequence: UInt64) throws {
        let id = try #require(EventID(textForm))
        #expect(id == EventID(milliseconds: milliseconds, sequence: sequence))
        #expect(id.description == textForm)
        #expect(EventID(id.description) == id)
    }

    @Test("a bare millisecond number means sequence 0", arguments: ["0", "42", "1700000000123", "18446744073709551615"])
    func millisecondsOnly(textForm: String) throws {
        let id = try #require(EventID(textForm))
        #expect(id.milliseconds == UInt64(textForm))
        #expect(id.sequence == 0)
        #expect(id.description == "\(textForm)-0")
    }

    @Test("parses from any string-like value")
    func substring() {
        let header = "Last-Event-ID: 12-3"
        #expect(EventID(header.split(separator: " ")[1]) == EventID(milliseconds: 12, sequence: 3))
    }

    @Test("anything but <ms>-<seq> or <ms> is refused", arguments: [
        "", "-", "1-", "-1", "+1-0", "1-+0", " 1-0", "1-0 ", "1 -0", "1- 0", "\t1-0", "1-0\n",
        "18446744073709551616", "18446744073709551616-0", "0-18446744073709551616", "99999999999999999999999-0",
        "abc", "a-b", "1a-0", "1-0x", "0x10-0", "1-2-3", "1--2", "1_0", "1.5-0", "1e3-0", "１-0", "١-٠", "1−0",
    ])
    func rejects(textForm: String) {
        #expect(EventID(textForm) == nil)
    }

    @Test("ids order by milliseconds, then by sequence")
    func ordering() {
        let a = EventID(milliseconds: 1, sequence: 5)
        let b = EventID(milliseconds: 2, sequence: 0)
        let c = EventID(milliseconds: 2, sequence: 1)
        #expect(a < b)
        #expect(b < c)
        #expect(a < c)
        #expect(!(b < a))
        #expect(!(b < b))
        #expect(EventID.zero < a)
        #expect([c, a, EventID.zero, b].sorted() == [EventID.zero, a, b, c])
        // Text order is not id order ("10-0" < "9-0" as strings); parsed ids compare numerically.
        #expect(EventID("9-0")! < EventID("10-0")!)
        #expect(EventID("5-9")! < EventID("5-10")!)
    }

    @Test("the successor is the next id, carrying into the millisecond")
    func successor() {
        #expect(EventID(milliseconds: 5, sequence: 3).successor == EventID(milliseconds: 5, sequence: 4))
        let carry = EventID(milliseconds: 5, sequence: .max)
        #expect(carry.successor == EventID(milliseconds: 6, sequence: 0))
        #expect(carry < carry.successor)
    }

    @Test("the generator uses the clock while it moves forward")
    func generatorFollowsClock() {
        var generator = EventIDGenerator()
        #expect(generator.next(nowMilliseconds: 100) == EventID(milliseconds: 100, sequence: 0))
        #expect(generator.next(nowMilliseconds: 105) == EventID(milliseconds: 105, sequence: 0))
        #expect(generator.last == EventID(milliseconds: 105, sequence: 0))
    }

    @Test("the generator is strictly increasing when the clock stands still")
    func generatorClockStandsStill() {
        var generator = EventIDGenerator()
        let ids = (0..<5).map { _ in generator.next(nowMilliseconds: 100) }
        #expect(ids == (0..<5).map { EventID(milliseconds: 100, sequence: UInt64($0)) })
    }

    @Test("the generator is strictly increasing when the clock goes backwards")
    func generatorClockGoesBack() {
        var generator = EventIDGenerator(after: EventID(milliseconds: 300, sequence: 7))
        #expect(generator.next(nowMilliseconds: 100) == EventID(milliseconds: 300, sequence: 8))
        #expect(generator.next(nowMilliseconds: 0) == EventID(milliseconds: 300, sequence: 9))
        #expect(generator.next(nowMilliseconds: 300) == EventID(milliseconds: 300, sequence: 10))
        #expect(generator.next(nowMilliseconds: 301) == EventID(milliseconds: 301, sequence: 0))
        var fromZero = EventIDGenerator()
        #expect(fromZero.next(nowMilliseconds: 0) == EventID(milliseconds: 0, sequence: 1))
    }

    @Test("for any clock readings, generated ids strictly increase and print/parse back", arguments: [1, 2, 3] as [UInt64])
    func generatorProperty(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var generator = EventIDGenerator(after: EventID(milliseconds: 1_000, sequence: 0))
        var previous = generator.last
        var clock: UInt64 = 1_000
        for _ in 0..<2_000 {
            // Mostly standing still or stepping a little, sometimes jumping back a long way.
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4: break
            case 4..<8: clock += UInt64.random(in: 1...3, using: &rng)
            default: clock -= min(clock, UInt64.random(in: 1...500, using: &rng))
            }
            let id = generator.next(nowMilliseconds: clock)
            #expect(id > previous)
            #expect(generator.last == id)
            #expect(EventID(id.description) == id)
            previous = id
        }
    }
}
