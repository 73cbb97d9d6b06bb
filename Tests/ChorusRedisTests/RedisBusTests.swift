import ChorusCore
import ChorusRedis
import ChorusTesting
import Testing

@Suite("Redis bus")
struct RedisBusTests {
    @Test func skipsGarbageOnTheChannelAndKeepsDelivering() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(server)
            let bus = RedisBus(configuration: configuration, logger: testLogger)
            try await BusContract.withSubscription(bus) { subscription in
                let future = "\(UInt64(Int64.max) / 2)-0"  // an id above anything real
                let junk = [
                    "hello world", "", "e", "e not-an-id {}", "e \(future) {not json",
                    "e \(future) {\"v\":2,\"scope\":\"x\"}", "c {\"v\":1,\"kind\":\"reboot\"}", "c [",
                    "p someone-else 1", "\u{1}binary\u{ff}\u{7f}",
                ]
                for payload in junk {
                    try server.cli("PUBLISH", configuration.channel, payload)
                }
                let envelopes = (0..<3).map { BusContract.sample($0, tag: "after-junk") }
                let ids = try await bus.publish(envelopes)
                let arrived = await eventually { subscription.receiver.events.count >= 3 }
                #expect(arrived)
                #expect(subscription.receiver.eventIDs == ids, "junk delivered nothing, and did not hold back later events")
                #expect(subscription.receiver.controls.isEmpty)
                #expect(subscription.receiver.gapCount == 0)
                #expect(bus.isReady)
            }
        }
    }

    @Test func unreachableRedisFailsPromptlyAsUnavailable() async throws {
        let port = FreePort.next()  // nothing listens there
        let bus = RedisBus(configuration: RedisConfiguration(url: RedisURL(port: port)), logger: testLogger)
        await #expect {
            _ = try await bus.publish([BusContract.sample(0)])
        } throws: { error in
            (error as? BusError)?.code == .unavailable && "\(error)".contains("127.0.0.1:\(port)")
        }
        await #expect {
            try await bus.publish(.closeUser(userID: "42", scope: nil))
        } throws: { ($0 as? BusError)?.code == .unavailable }
        await #expect {
            _ = try await bus.replay(after: .zero)
        } throws: { ($0 as? BusError)?.code == .unavailable }
        #expect(!bus.isReady)
    }

    @Test func logsInWithThePasswordFromTheURL() async throws {
        try await withRedisServer(options: .init(password: "s3cret")) { server in
            let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
            let ids = try await bus.publish([BusContract.sample(1)])
            #expect(ids.count == 1)

            var wrong = try testConfiguration(server)
            wrong.url.password = "wrong"
            let refused = RedisBus(configuration: wrong, logger: testLogger)
            await #expect {
                _ = try await refused.publish([BusContract.sample(2)])
            } throws: { error in
                (error as? BusError)?.code == .unavailable && "\(error)".contains("AUTH")
            }
        }
    }

    @Test func deploymentsWithDifferentPrefixesDoNotMix() async throws {
        try await withRedisServer { server in
            let first = RedisBus(configuration: try testConfiguration(server, prefix: "one"), logger: testLogger)
            let second = RedisBus(configuration: try testConfiguration(server, prefix: "two"), logger: testLogger)
            try await BusContract.withSubscription(second) { subscription in
                _ = try await first.publish([BusContract.sample(1)])
                let ownIDs = try await second.publish([BusContract.sample(2)])
                let arrived = await eventually { subscription.receiver.events.count >= 1 }
                #expect(arrived)
                #expect(subscription.receiver.eventIDs == ownIDs)
                #expect(try await second.replay(after: .zero).events.compactMap(\.id) == ownIDs)
            }
            #expect(try server.cli("TYPE", "one:history") == "stream")
            #expect(try server.cli("TYPE", "two:history") == "stream")
        }
    }

    @Test func replayAfterALostHistoryIsIncomplete() async throws {
        try await withRedisServer { server in
            let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
            let before = try await bus.publish((0..<3).map { BusContract.sample($0) })
            #expect(try await bus.replay(after: before[1]).isComplete)
            try server.cli("FLUSHALL")  // as if Redis restarted without persistence
            #expect(try await bus.replay(after: before[1]).isComplete == false, "no stream at all")
            let after = try await bus.publish([BusContract.sample(3)])
            let replay = try await bus.replay(after: before[2])
            #expect(!replay.isComplete, "the id is from the stream that was lost")
            #expect(replay.events.compactMap(\.id) == after)
            #expect(try await bus.replay(after: after[0]).isComplete)
        }
    }

    @Test func replaysALargeHistoryInPages() async throws {
        try await withRedisServer { server in
            let bus = RedisBus(configuration: try testConfiguration(server, historyCapacity: 5000), logger: testLogger)
            var ids: [EventID] = []
            for start in stride(from: 0, to: 2500, by: 250) {
                ids += try await bus.publish((start..<start + 250).map { BusContract.sample($0, tag: "page") })
            }
            let replay = try await bus.replay(after: ids[10])
            #expect(replay.isComplete)
            #expect(replay.events.compactMap(\.id) == Array(ids[11...]))
        }
    }

    @Test func droppingTheBusClosesItsConnections() async throws {
        try await withRedisServer { server in
            func clients() throws -> Int {
                // Every client but the redis-cli asking.
                try server.cli("CLIENT", "LIST").split(separator: "\n").filter { !$0.contains("cmd=client") }.count
            }
            do {
                let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
                try await BusContract.withSubscription(bus) { _ in
                    _ = try await bus.publish([BusContract.sample(1)])
                    #expect(try clients() == 2, "one command connection and one subscription")
                }
                #expect(await eventually { (try? clients()) == 1 }, "the subscription closes when run returns")
            }
            #expect(await eventually { (try? clients()) == 0 }, "the command connection closes with the bus")
        }
    }
}
