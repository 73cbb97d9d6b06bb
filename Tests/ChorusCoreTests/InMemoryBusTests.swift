import ChorusCore
import Testing

@Suite("In-memory bus")
struct InMemoryBusTests {
    /// The bus's start id when its clock reads `ms` at creation.
    static func start(_ ms: UInt64) -> EventID { EventID(milliseconds: ms, sequence: 0) }

    static func envelopes(_ names: String...) -> [Envelope] {
        names.map { Envelope(scope: "doc:1", event: "update", data: $0) }
    }

    @Test("it is always ready")
    func ready() {
        #expect(InMemoryBus().isReady)
    }

    @Test("publish returns one increasing id per envelope, in order")
    func idsIncrease() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let first = try await bus.publish(Self.envelopes("a", "b", "c"))
        let second = try await bus.publish(Self.envelopes("d"))
        let ids = first + second
        #expect(first.count == 3)
        #expect(second.count == 1)
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0 > Self.start(1_000) })
    }

    @Test("the history holds the published envelopes with the ids publish returned")
    func historyMatchesPublish() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let sent = [
            Envelope(scope: "doc:1", event: "update", data: "{\"a\":1}", paths: ["doc.title"], origin: "tab-1", audience: ["42"]),
            Envelope(scope: "doc:2", data: "plain"),
        ]
        let ids = try await bus.publish(sent)
        let replay = try await bus.replay(after: Self.start(1_000))
        #expect(replay.isComplete)
        var expected = sent
        for index in expected.indices { expected[index].id = ids[index] }
        #expect(replay.events == expected)
    }

    @Test("the id the caller put on an envelope is replaced by the bus's")
    func busAssignsIDs() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let ids = try await bus.publish([Envelope(id: EventID(milliseconds: 1, sequence: 1), scope: "s")])
        #expect(ids.first != EventID(milliseconds: 1, sequence: 1))
        #expect(try await bus.replay(after: Self.start(1_000)).events.map(\.id) == ids.map(Optional.some))
    }

    @Test("ids keep increasing when the clock stands still or goes backwards")
    func clockGoesBack() async throws {
        let clock = ManualClock(5_000)
        let bus = InMemoryBus(now: { clock.now })
        var ids: [EventID] = []
        for reading: UInt64 in [5_000, 5_000, 4_000, 1, 5_000, 6_000, 6_000, 2_000] {
            clock.set(reading)
            ids += try await bus.publish(Self.envelopes("x"))
        }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        #expect(ids.first! > Self.start(5_000))
        #expect(try await bus.replay(after: Self.start(5_000)).events.compactMap(\.id) == ids)
    }

    @Test("a running receiver gets every envelope in publish order, with the returned ids")
    func receiverGetsEverything() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let receiver = CollectingReceiver()
        let task = try await startReceiving(receiver, on: bus)
        var ids: [EventID] = []
        var sent: [Envelope] = []
        for batch in [Self.envelopes("a"), Self.envelopes("b", "c", "d"), Self.envelopes("e")] {
            ids += try await bus.publish(batch)
            sent += batch
        }
        try await stopReceiving(task)

        let received = receiver.envelopes
        #expect(received.map(\.data) == ["a", "b", "c", "d", "e"])
        #expect(received.map(\.id) == ids.map(Optional.some))
        var expected = sent
        for index in expected.indices { expected[index].id = ids[index] }
        #expect(received == expected)
        #expect(receiver.messages.count == 5, "nothing but the events")
    }

    @Test("every receiver gets the same messages in the same order")
    func twoReceivers() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let one = CollectingReceiver()
        let two = CollectingReceiver()
        let taskOne = try await startReceiving(one, on: bus)
        let taskTwo = try await startReceiving(two, on: bus)
        one.reset() // the second handshake's probe reached the first receiver too
        _ = try await bus.publish(Self.envelopes("a", "b"))
        try await bus.publish(.closeUser(userID: "42", scope: nil))
        _ = try await bus.publish(Self.envelopes("c"))
        try await stopReceiving(taskOne)
        try await stopReceiving(taskTwo)
        #expect(one.messages.count == 4)
        #expect(one.messages == two.messages)
    }

    @Test("control messages reach the receiver, in order with events, and take no id or history")
    func controlMessages() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let receiver = CollectingReceiver()
        let task = try await startReceiving(receiver, on: bus)
        let ids = try await bus.publish(Self.envelopes("before"))
        try await bus.publish(.closeUser(userID: "42", scope: "doc:1"))
        try await bus.publish(.closeUser(userID: "7", scope: nil))
        let later = try await bus.publish(Self.envelopes("after"))
        try await stopReceiving(task)

        var before = Self.envelopes("before")[0]
        before.id = ids[0]
        var after = Self.envelopes("after")[0]
        after.id = later[0]
        #expect(receiver.messages == [
            .event(before),
            .control(.closeUser(userID: "42", scope: "doc:1")),
            .control(.closeUser(userID: "7", scope: nil)),
            .event(after),
        ])
        #expect(later[0] == ids[0].successor, "control messages consume no id")
        #expect(try await bus.replay(after: Self.start(1_000)).events == [before, after])
    }

    @Test("the history keeps only the newest events; replay from the start is then incomplete")
    func historyBound() async throws {
        let bus = InMemoryBus(historyCapacity: 3, now: { 1_000 })
        var ids: [EventID] = []
        for name in ["a", "b", "c", "d", "e"] { ids += try await bus.publish(Self.envelopes(name)) }
        let fromStart = try await bus.replay(after: Self.start(1_000))
        #expect(fromStart.isComplete == false)
        #expect(fromStart.events.map(\.data) == ["c", "d", "e"])
        // After the last dropped id nothing is missing.
        let fromB = try await bus.replay(after: ids[1])
        #expect(fromB.isComplete)
        #expect(fromB.events.map(\.data) == ["c", "d", "e"])
        // After an earlier dropped id, "b" is missing.
        #expect(try await bus.replay(after: ids[0]).isComplete == false)
    }

    @Test("replay after an id gives exactly the later events", arguments: 0..<5)
    func replayAfter(index: Int) async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let names = ["a", "b", "c", "d", "e"]
        let ids = try await bus.publish(names.map { Envelope(scope: "s", data: $0) })
        let replay = try await bus.replay(after: ids[index])
        #expect(replay.isComplete)
        #expect(replay.events.map(\.data) == Array(names[(index + 1)...]))
        #expect(replay.events.map(\.id) == ids[(index + 1)...].map(Optional.some))
    }

    @Test("replay at the bus's start is complete; an id from before the bus started is not")
    func idFromBeforeStart() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        #expect(try await bus.replay(after: Self.start(1_000)).withoutLatest == Replay(events: [], isComplete: true))
        _ = try await bus.publish(Self.envelopes("a"))
        let stale = try await bus.replay(after: EventID(milliseconds: 999, sequence: 12))
        #expect(stale.isComplete == false, "a client from before a restart must be told to reset")
        #expect(stale.events.map(\.data) == ["a"])
        #expect(try await bus.replay(after: .zero).isComplete == false)
    }

    @Test("with the wall clock, an id from long ago is incomplete and new ids are recent")
    func wallClock() async throws {
        let before = wallClockMilliseconds()
        let bus = InMemoryBus()
        let ids = try await bus.publish(Self.envelopes("a"))
        #expect(ids[0].milliseconds >= before)
        #expect(try await bus.replay(after: EventID(milliseconds: 1_000, sequence: 0)).isComplete == false)
        #expect(try await bus.replay(after: ids[0]).withoutLatest == Replay(events: [], isComplete: true))
    }

    @Test("concurrent publishers produce one total order that every receiver and the history agree on")
    func concurrentPublishers() async throws {
        let bus = InMemoryBus(historyCapacity: 10_000, now: { 1_000 })
        let receiver = CollectingReceiver()
        let task = try await startReceiving(receiver, on: bus)
        let publishers = 8
        let batches = 40
        let batchSize = 3

        let returned = try await withThrowingTaskGroup(of: [(ids: [EventID], data: [String])].self) { group in
            for publisher in 0..<publishers {
                group.addTask {
                    var results: [(ids: [EventID], data: [String])] = []
                    for batch in 0..<batches {
                        let data = (0..<batchSize).map { "p\(publisher)-b\(batch)-\($0)" }
                        let ids = try await bus.publish(data.map { Envelope(scope: "s", data: $0) })
                        results.append((ids, data))
                    }
                    return results
                }
            }
            var all: [[(ids: [EventID], data: [String])]] = []
            for try await results in group { all.append(results) }
            return all
        }
        try await stopReceiving(task)

        let received = receiver.envelopes
        let total = publishers * batches * batchSize
        #expect(received.count == total)
        #expect(receiver.messages.count == total, "no stray messages")

        // One total order: ids strictly increase in delivery order, and it is the history's order.
        let receivedIDs = received.compactMap(\.id)
        #expect(receivedIDs.count == total)
        #expect(zip(receivedIDs, receivedIDs.dropFirst()).allSatisfy { $0 < $1 })
        let history = try await bus.replay(after: Self.start(1_000))
        #expect(history.isComplete)
        #expect(history.events == received)

        // Every publisher's ids are what the receiver saw for its envelopes; its batches stay
        // contiguous and in its own order.
        let positionOfID = Dictionary(uniqueKeysWithValues: receivedIDs.enumerated().map { ($1, $0) })
        for results in returned {
            var lastPosition = -1
            for result in results {
                let positions = result.ids.map { positionOfID[$0] ?? -1 }
                #expect(positions.allSatisfy { $0 >= 0 })
                #expect(positions.map { received[$0].data } == result.data)
                #expect(positions == Array(positions[0]..<positions[0] + batchSize), "a batch is delivered contiguously")
                #expect(positions[0] > lastPosition, "a publisher's batches keep their order")
                lastPosition = positions.last ?? lastPosition
            }
        }
    }

    @Test("cancelling run unregisters the receiver: later publishes do not reach it")
    func cancelUnregisters() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let stopped = CollectingReceiver()
        let stillRunning = CollectingReceiver()
        let stoppedTask = try await startReceiving(stopped, on: bus)
        let runningTask = try await startReceiving(stillRunning, on: bus)
        stopped.reset()

        _ = try await bus.publish(Self.envelopes("before"))
        try await stopReceiving(stoppedTask)
        _ = try await bus.publish(Self.envelopes("after"))
        try await bus.publish(.closeUser(userID: "42", scope: nil))

        #expect(stopped.envelopes.map(\.data) == ["before"])
        #expect(stopped.messages.count == 1)
        // The publishes did happen: a receiver still running got them.
        #expect(stillRunning.envelopes.map(\.data) == ["before", "after"])
        #expect(stillRunning.messages.count == 3)
        try await stopReceiving(runningTask)
    }

    @Test("run returns promptly when its task is already cancelled")
    func runCancelledBeforeStart() async throws {
        let bus = InMemoryBus(now: { 1_000 })
        let receiver = CollectingReceiver()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await bus.run(delivering: receiver)
        }
        try await task.value
        _ = try await bus.publish(Self.envelopes("a"))
        #expect(receiver.messages.isEmpty)
    }
}
