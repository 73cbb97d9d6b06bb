import ChorusCore
import ChorusRedis
import ChorusTesting
import Testing

/// Faults with a real redis-server: a crash and restart, a killed subscription, a frozen server.
/// Waits are bounded; the assertions are about what the receiver gets, never about timing.
@Suite("Redis faults")
struct RedisFaultTests {
    @Test func survivesACrashAndRestartWithoutLosingAcknowledgedEvents() async throws {
        try await withRedisServer(options: .init(appendOnly: true)) { server in
            let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
            try await BusContract.withSubscription(bus) { subscription in
                #expect(await eventually { bus.isReady })
                let loop = PublishLoop(bus)
                #expect(await eventually { loop.acknowledged.count >= 50 })

                await server.kill9()
                #expect(await eventually { !bus.isReady }, "not ready while redis is gone")
                #expect(await eventually { loop.failures.count >= 5 }, "publishing fails while redis is gone")

                try await server.restart()
                #expect(await eventually(timeout: .seconds(20)) { bus.isReady }, "ready again by itself")
                let resumedAt = loop.acknowledged.count
                #expect(await eventually { loop.acknowledged.count >= resumedAt + 50 })
                await loop.stop()

                let acknowledged = loop.acknowledged
                // Refused while Redis was gone, or (the publish in flight as it died) unknown.
                #expect(loop.failures.allSatisfy { $0.code == .unavailable || $0.code == .outcomeUnknown }, "\(loop.failures.filter { $0.code != .unavailable && $0.code != .outcomeUnknown })")
                #expect(loop.failures.filter { $0.code == .outcomeUnknown }.count <= 1, "only a publish in flight as Redis died has an unknown outcome")
                let delivered = await eventually(timeout: .seconds(20)) {
                    Set(subscription.receiver.eventIDs).isSuperset(of: acknowledged)
                }
                #expect(delivered, "every acknowledged event arrives")
                let ids = subscription.receiver.eventIDs
                #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "in order, each once")
                #expect(subscription.receiver.gapCount == 0, "the history had everything")
            }
        }
    }

    @Test func resubscribesAfterTheSubscriptionIsKilledAndFillsTheGap() async throws {
        try await withRedisServer { server in
            let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
            try await BusContract.withSubscription(bus) { subscription in
                #expect(await eventually { bus.isReady })
                let loop = PublishLoop(bus)
                #expect(await eventually { loop.acknowledged.count >= 30 })
                let before = try pubsubClientIDs(server)
                try server.cli("CLIENT", "KILL", "TYPE", "pubsub")
                #expect(await eventually { (try? pubsubClientIDs(server)).map { !$0.isEmpty && $0.isDisjoint(with: before) } ?? false })
                #expect(await eventually { bus.isReady })
                let resumedAt = loop.acknowledged.count
                #expect(await eventually { loop.acknowledged.count >= resumedAt + 30 })
                await loop.stop()

                let acknowledged = loop.acknowledged
                #expect(loop.failures.isEmpty, "the command connection was not affected")
                #expect(await eventually { Set(subscription.receiver.eventIDs).isSuperset(of: acknowledged) })
                #expect(subscription.receiver.eventIDs == acknowledged, "exactly the published events, in order, each once")
                #expect(subscription.receiver.gapCount == 0)
            }
        }
    }

    @Test func theProbeNoticesASubscriptionThatStopsDelivering() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(server)
            let bus = RedisBus(configuration: configuration, logger: testLogger)
            try await BusContract.withSubscription(bus) { subscription in
                #expect(await eventually { bus.isReady })
                let before = try pubsubClientIDs(server)
                try #require(before.count == 1)

                // A frozen server keeps the socket open and says nothing: only the probe can tell.
                server.pause()
                #expect(await eventually { !bus.isReady })
                try await Task.sleep(for: configuration.probeTimeout * 3)
                server.resume()

                #expect(await eventually(timeout: .seconds(20)) { bus.isReady })
                let after = try pubsubClientIDs(server)
                #expect(!after.isEmpty && after.isDisjoint(with: before), "the bus dropped the dead subscription and subscribed again")

                let ids = try await bus.publish((0..<5).map { BusContract.sample($0, tag: "after-freeze") })
                #expect(await eventually { Set(subscription.receiver.eventIDs).isSuperset(of: ids) })
                #expect(subscription.receiver.eventIDs == ids)
            }
            server.resume()
        }
    }

    @Test func aGapTheHistoryCannotFillIsReportedThenTheRetainedEventsFollow() async throws {
        try await withRedisServer { server in
            let bus = RedisBus(configuration: try testConfiguration(server, historyCapacity: 5), logger: testLogger)
            try await BusContract.withSubscription(bus) { subscription in
                let early = try await bus.publish([BusContract.sample(0, tag: "early")])
                #expect(await eventually { subscription.receiver.eventIDs == early })

                // Keep the subscriber out (SUBSCRIBE is refused) while publishing goes on.
                try server.cli("ACL", "SETUSER", "default", "-subscribe")
                try server.cli("CLIENT", "KILL", "TYPE", "pubsub")
                #expect(await eventually { !bus.isReady })
                var missed: [EventID] = []
                for number in 1...20 {
                    missed += try await bus.publish([BusContract.sample(number, tag: "missed")])
                }
                try server.cli("ACL", "SETUSER", "default", "+subscribe")
                #expect(await eventually { bus.isReady })
                let after = try await bus.publish([BusContract.sample(21, tag: "after")])

                #expect(await eventually { subscription.receiver.eventIDs.last == after.last })
                let messages = subscription.receiver.messages.filter { if case .control = $0 { false } else { true } }
                let gap = try #require(messages.firstIndex(of: .gap), "the receiver is told about the gap")
                #expect(messages[..<gap].compactMap { if case .event(let e) = $0 { e.id } else { nil } } == early)
                let resumed = messages[(gap + 1)...].compactMap { if case .event(let e) = $0 { e.id } else { nil } }
                #expect(resumed.count >= 5, "the retained events follow the gap")
                #expect(resumed == Array((missed + after).suffix(resumed.count)), "a suffix of what was published, in order, each once")
                #expect(subscription.receiver.gapCount == 1)
            }
        }
    }
}
