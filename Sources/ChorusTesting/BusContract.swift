import ChorusCore
import Synchronization
import Testing

/// The behaviour every ``Bus`` must have, as checks any test can run against any bus
/// (`InMemoryBus`, `RedisBus`, …). Each check publishes its own events and expects a bus of its
/// own (or, for Redis, its own key prefix), so nothing else is in its history.
public enum BusContract {
    /// Collects everything a bus delivers.
    public final class Receiver: BusReceiver {
        private let received = Mutex<[BusMessage]>([])

        /// Creates an empty receiver.
        public init() {}

        public func receive(_ messages: [BusMessage]) {
            received.withLock { $0.append(contentsOf: messages) }
        }

        /// Everything received, in order (markers from ``subscribe(_:timeout:)`` included).
        public var messages: [BusMessage] { received.withLock { $0 } }

        /// The events received, in order.
        public var events: [Envelope] {
            messages.compactMap { if case .event(let envelope) = $0 { envelope } else { nil } }
        }

        /// The ids of the events received, in order.
        public var eventIDs: [EventID] { events.compactMap(\.id) }

        /// The control messages received, in order, without the markers ``subscribe(_:timeout:)`` sent.
        public var controls: [ControlMessage] {
            messages.compactMap { message in
                guard case .control(let control) = message else { return nil }
                if case .closeUser(let user, _) = control, user.hasPrefix(markerPrefix) { return nil }
                return control
            }
        }

        /// How many ``BusMessage/gap`` messages arrived.
        public var gapCount: Int { messages.filter { $0 == .gap }.count }
    }

    /// A running `run(delivering:)` with its receiver.
    public final class Subscription: Sendable {
        /// What arrived so far.
        public let receiver: Receiver
        private let task: Task<Void, any Error>

        init(receiver: Receiver, task: Task<Void, any Error>) {
            self.receiver = receiver
            self.task = task
        }

        /// Cancels the run and waits for it to return.
        public func stop() async {
            task.cancel()
            _ = try? await task.value
        }
    }

    static let markerPrefix = "chorus-contract-marker-"

    /// Runs `bus.run(delivering:)` with a new receiver and returns once the receiver really gets
    /// messages: it publishes marker control messages until one arrives.
    public static func subscribe(_ bus: any Bus, timeout: Duration = .seconds(20)) async throws -> Subscription {
        let receiver = Receiver()
        let task = Task { try await bus.run(delivering: receiver) }
        let subscription = Subscription(receiver: receiver, task: task)
        let marker = ControlMessage.closeUser(userID: markerPrefix + String(UInt64.random(in: 0 ... .max), radix: 16), scope: nil)
        let arrived = await eventually(timeout: timeout, poll: .milliseconds(50)) {
            if receiver.messages.contains(.control(marker)) { return true }
            try? await bus.publish(marker)
            return false
        }
        guard arrived else {
            await subscription.stop()
            throw ContractError("the receiver got nothing within \(timeout) of run(delivering:)")
        }
        return subscription
    }

    /// Subscribes, runs `body`, and stops the subscription whatever happens.
    public static func withSubscription<R>(_ bus: any Bus, _ body: (Subscription) async throws -> R) async throws -> R {
        let subscription = try await subscribe(bus)
        do {
            let result = try await body(subscription)
            await subscription.stop()
            return result
        } catch {
            await subscription.stop()
            throw error
        }
    }

    /// An envelope with every kind of field, varying with `number`.
    public static func sample(_ number: Int, tag: String = "contract") -> Envelope {
        Envelope(
            scope: "doc:\(number % 3)",
            event: number % 2 == 0 ? "update" : nil,
            data: "\(tag) \(number): ünïcödé \"quoted\"\nsecond line",
            paths: number % 3 == 0 ? [] : ["doc.title", "doc.version"],
            origin: number % 4 == 0 ? "tab-\(number)" : nil,
            audience: number % 5 == 0 ? ["42", "7"] : nil
        )
    }

    // MARK: - The checks

    /// Ids increase from call to call and within a batch, and come back one per envelope.
    public static func idsIncreaseInPublishOrder(_ bus: any Bus) async throws {
        var ids: [EventID] = []
        for number in 0..<5 {
            let assigned = try await bus.publish([sample(number)])
            #expect(assigned.count == 1)
            ids += assigned
        }
        let batch = try await bus.publish((5..<9).map { sample($0) })
        #expect(batch.count == 4)
        ids += batch
        #expect(isStrictlyIncreasing(ids), "ids must increase in publish order: \(ids)")
        #expect(try await bus.publish([]) == [])
    }

    /// A running receiver gets every envelope, in publish order, with the ids `publish` returned
    /// and every field intact.
    public static func deliversEveryEnvelopeInOrder(_ bus: any Bus) async throws {
        try await withSubscription(bus) { subscription in
            var published: [Envelope] = []
            var number = 0
            for size in [1, 3, 1, 7, 2, 10, 1] {
                let envelopes = (0..<size).map { offset in sample(number + offset) }
                number += size
                let ids = try await bus.publish(envelopes)
                try #require(ids.count == envelopes.count)
                published += zip(envelopes, ids).map { envelope, id in
                    var envelope = envelope
                    envelope.id = id
                    return envelope
                }
            }
            let arrived = await eventually(timeout: .seconds(20)) { subscription.receiver.events.count >= published.count }
            #expect(arrived, "got \(subscription.receiver.events.count) of \(published.count) events")
            #expect(subscription.receiver.events == published)
            #expect(subscription.receiver.gapCount == 0)
        }
    }

    /// A replay after an id returns exactly the later events, complete; after the newest id it is
    /// empty and complete.
    public static func replayReturnsTheLaterEvents(_ bus: any Bus) async throws {
        let envelopes = (0..<10).map { sample($0, tag: "replay") }
        let ids = try await bus.publish(Array(envelopes[..<4])) + bus.publish(Array(envelopes[4...]))
        try #require(ids.count == 10)
        let replay = try await bus.replay(after: ids[4])
        #expect(replay.isComplete)
        #expect(replay.events.map(\.id) == ids[5...].map { $0 })
        #expect(replay.events.map { var e = $0; e.id = nil; return e } == Array(envelopes[5...]))
        let atEnd = try await bus.replay(after: ids[9])
        #expect(atEnd.isComplete)
        #expect(atEnd.events.isEmpty)
    }

    /// A replay reads in pages: at most `limit` events each, the next page after the last id of
    /// the one before, together exactly the later events; every page names the newest id.
    public static func replayIsPaged(_ bus: any Bus) async throws {
        var ids: [EventID] = []
        for number in 0..<7 { ids += try await bus.publish([sample(number, tag: "page")]) }
        var after = ids[0]
        var pages: [[EventID]] = []
        while pages.count < 10 {
            let page = try await bus.replay(after: after, limit: 3)
            #expect(page.isComplete)
            #expect(page.latestID == ids.last)
            pages.append(page.events.compactMap(\.id))
            guard page.events.count == 3, let last = page.events.last?.id else { break }
            after = last
        }
        #expect(pages == [Array(ids[1...3]), Array(ids[4...6]), []])
    }

    /// An id newer than every published event was never issued by this bus (a stale or forged
    /// `Last-Event-ID`): the replay is incomplete, so the client is reset instead of muted until
    /// the bus catches up with the id, and it names the newest id to resume from.
    public static func replayAfterAnIDFromTheFutureIsIncomplete(_ bus: any Bus) async throws {
        let ids = try await bus.publish([sample(0, tag: "future"), sample(1, tag: "future")])
        let future = EventID(milliseconds: ids[1].milliseconds + 86_400_000, sequence: 0)
        let replay = try await bus.replay(after: future)
        #expect(!replay.isComplete)
        #expect(replay.events.isEmpty)
        #expect(replay.latestID == ids[1])
        let justAfter = try await bus.replay(after: EventID(milliseconds: ids[1].milliseconds, sequence: ids[1].sequence + 1))
        #expect(!justAfter.isComplete)
        let atNewest = try await bus.replay(after: ids[1])
        #expect(atNewest.isComplete && atNewest.events.isEmpty)
    }

    /// Once the history dropped events, a replay from before them is incomplete, and the boundary
    /// is exact: after the newest dropped event it is complete. An id from before the history began
    /// (`.zero` included) is incomplete too. `historyCapacity` is the bus's (small) capacity.
    public static func replayOlderThanTheHistoryIsIncomplete(_ bus: any Bus, historyCapacity: Int) async throws {
        var ids: [EventID] = []
        for number in 0..<(3 * historyCapacity + 1) {
            ids += try await bus.publish([sample(number, tag: "trim")])
        }
        let all = try await bus.replay(after: ids[0])
        #expect(!all.isComplete)
        #expect(all.events.count >= historyCapacity)
        let firstRetained = try #require(all.events.first?.id)
        let index = try #require(ids.firstIndex(of: firstRetained))
        #expect(all.events.compactMap(\.id) == Array(ids[index...]), "the history keeps a suffix of the events")
        try #require(index >= 2, "the history must have dropped events")

        let boundary = try await bus.replay(after: ids[index - 1])
        #expect(boundary.isComplete, "nothing after the newest dropped event is missing")
        #expect(boundary.events.compactMap(\.id) == Array(ids[index...]))
        let beforeBoundary = try await bus.replay(after: ids[index - 2])
        #expect(!beforeBoundary.isComplete, "the newest dropped event is missing")

        let ancient = try await bus.replay(after: EventID(milliseconds: 1, sequence: 0))
        #expect(!ancient.isComplete, "an id from before the history began")
        let zero = try await bus.replay(after: .zero)
        #expect(!zero.isComplete, ".zero is from before the history began")
        #expect(zero.events.compactMap(\.id) == Array(ids[index...]))
    }

    /// Control messages reach running receivers, in order, and are not events.
    public static func controlMessagesArrive(_ bus: any Bus) async throws {
        try await withSubscription(bus) { subscription in
            let first = ControlMessage.closeUser(userID: "42", scope: "doc:1")
            let second = ControlMessage.closeUser(userID: "7", scope: nil)
            try await bus.publish(first)
            try await bus.publish(second)
            let arrived = await eventually { subscription.receiver.controls.count >= 2 }
            #expect(arrived)
            #expect(subscription.receiver.controls == [first, second])
            #expect(subscription.receiver.events.isEmpty)
        }
    }

    /// Presence: added entries are listed by scope (oldest first) and announced with a join;
    /// removed ones disappear and are announced with a leave; adding an entry twice announces it
    /// once; removing an unknown entry announces nothing.
    public static func presenceListsAndAnnounces(_ bus: any Bus) async throws {
        try await withSubscription(bus) { subscription in
            let tag = String(UInt64.random(in: 0 ... .max), radix: 36)
            let scope = "room:\(tag)"
            let alice = PresenceEntry(scope: scope, connectionID: "\(tag)-1", userID: "alice", sessionID: "tab-1", nodeID: "n1", connectedAt: 1000)
            let aliceElsewhere = PresenceEntry(scope: "other:\(tag)", connectionID: "\(tag)-1", userID: "alice", sessionID: "tab-1", nodeID: "n1", connectedAt: 1000)
            let anonymous = PresenceEntry(scope: scope, connectionID: "\(tag)-2", nodeID: "n1", connectedAt: 2000)
            let aliceAgain = PresenceEntry(scope: scope, connectionID: "\(tag)-3", userID: "alice", sessionID: "tab-2", nodeID: "n2", connectedAt: 3000)
            #expect(try await bus.presence(in: scope).isEmpty)

            try await bus.addPresence([alice, aliceElsewhere])
            try await bus.addPresence([anonymous, aliceAgain])
            try await bus.addPresence([alice])
            let listed = try await bus.presence(in: scope)
            #expect(listed == [alice, anonymous, aliceAgain])
            #expect(listed.distinctUserCount == 1)
            #expect(try await bus.presence(in: "other:\(tag)") == [aliceElsewhere])

            try await bus.removePresence([anonymous])
            try await bus.removePresence([anonymous])
            #expect(try await bus.presence(in: scope) == [alice, aliceAgain])

            let expected: [ControlMessage] = [
                .presenceJoin(alice), .presenceJoin(aliceElsewhere), .presenceJoin(anonymous), .presenceJoin(aliceAgain),
                .presenceLeave(anonymous),
            ]
            let arrived = await eventually { subscription.receiver.controls.count >= expected.count }
            #expect(arrived, "got \(subscription.receiver.controls)")
            // One more round trip proves nothing else is on its way.
            try await bus.publish(.closeUser(userID: "end-\(tag)", scope: nil))
            _ = await eventually { subscription.receiver.controls.count > expected.count }
            #expect(subscription.receiver.controls == expected + [.closeUser(userID: "end-\(tag)", scope: nil)])
            try await bus.removePresence([alice, aliceElsewhere, aliceAgain])
            #expect(try await bus.presence(in: scope).isEmpty)
        }
    }

    /// Concurrent publishers (through any of `nodes`, which share one bus backend) produce one
    /// total order that every receiver sees identically, with each batch contiguous. With one
    /// node, two receivers run on it.
    public static func concurrentPublishersShareOneOrder(_ nodes: [any Bus]) async throws {
        let receiversPerNode = nodes.count == 1 ? 2 : 1
        var subscriptions: [Subscription] = []
        do {
            for node in nodes {
                for _ in 0..<receiversPerNode { subscriptions.append(try await subscribe(node)) }
            }
            let publishers = 4
            let batchesPerPublisher = 20
            let batches = try await withThrowingTaskGroup(of: [[EventID]].self) { group in
                for publisher in 0..<publishers {
                    group.addTask {
                        var batches: [[EventID]] = []
                        for index in 0..<batchesPerPublisher {
                            let node = nodes[(publisher + index) % nodes.count]
                            let size = 1 + (publisher + index) % 3
                            batches.append(try await node.publish((0..<size).map { sample(publisher * 1000 + index * 10 + $0, tag: "concurrent") }))
                        }
                        return batches
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let acknowledged = batches.flatMap { $0 }
            for subscription in subscriptions {
                let arrived = await eventually(timeout: .seconds(20)) { subscription.receiver.events.count >= acknowledged.count }
                #expect(arrived, "got \(subscription.receiver.events.count) of \(acknowledged.count) events")
            }
            let orders = subscriptions.map(\.receiver.eventIDs)
            let order = orders[0]
            #expect(isStrictlyIncreasing(order))
            #expect(Set(order) == Set(acknowledged))
            for other in orders.dropFirst() { #expect(other == order, "every receiver sees the same order") }
            for batch in batches where batch.count > 1 {
                guard let start = order.firstIndex(of: batch[0]), start + batch.count <= order.count else {
                    Issue.record("batch \(batch) missing from the delivered order")
                    continue
                }
                #expect(Array(order[start..<start + batch.count]) == batch, "a batch is contiguous")
            }
        } catch {
            for subscription in subscriptions { await subscription.stop() }
            throw error
        }
        for subscription in subscriptions { await subscription.stop() }
    }

    static func isStrictlyIncreasing(_ ids: [EventID]) -> Bool {
        zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }
    }
}

/// A contract check that could not run.
public struct ContractError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
