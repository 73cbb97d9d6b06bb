import ChorusCore
import ChorusRedis
import ChorusTesting
import Testing

/// Redis at its `maxmemory` with `noeviction` (a real redis-server with a small limit): publishes
/// are refused as `unavailable` (nothing published), the bus is not ready, and it recovers by
/// itself once memory is free again.
@Suite("Redis out of memory")
struct RedisMemoryTests {
    /// Fills Redis past its maxmemory with one big key (a script may go over the limit once).
    func fill(_ server: RedisServer, bytes: Int = 6_000_000) throws {
        let reply = try server.cli("EVAL", "redis.call('SET', KEYS[1], string.rep('x', tonumber(ARGV[1]))) return 'filled'", "1", "filler", String(bytes))
        try #require(reply == "filled", "\(reply)")
    }

    func usedMemory(_ server: RedisServer) throws -> Int {
        let info = try server.cli("INFO", "memory")
        let line = try #require(info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("used_memory:") })
        return try #require(Int(line.dropFirst("used_memory:".count).trimmingCharacters(in: .whitespaces)))
    }

    @Test func outOfMemoryRefusesPublishesAsUnavailableAndRecoversWhenMemoryIsFreed() async throws {
        try await withRedisServer(options: .init(maxMemory: "5mb")) { server in
            let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
            try await BusContract.withSubscription(bus) { subscription in
                #expect(await eventually { bus.isReady })
                let before = try await bus.publish([BusContract.sample(1, tag: "before-oom")])

                try fill(server)
                var refusal: BusError?
                do throws(BusError) {
                    _ = try await bus.publish([BusContract.sample(2, tag: "refused-oom")])
                } catch {
                    refusal = error
                }
                let error = try #require(refusal, "a publish into a full redis is refused")
                #expect(error.code == .unavailable, "\(error)")
                #expect(error.message.contains("out of memory"))
                #expect(!bus.isReady, "not ready while redis refuses writes")
                #expect(try await bus.replay(after: .zero).events.compactMap(\.id) == before, "reads still work")

                try server.cli("DEL", "filler")
                #expect(await eventually(timeout: .seconds(20)) { bus.isReady }, "ready again by itself, without a publish")
                let after = try await bus.publish([BusContract.sample(3, tag: "after-oom")])
                #expect(await eventually { subscription.receiver.eventIDs.contains(after[0]) })
                #expect(subscription.receiver.eventIDs == before + after, "the refused event was not published")
            }
        }
    }

    @Test func aHistoryOverItsCapacityIsTrimmedWhenRedisRunsOutOfMemory() async throws {
        try await withRedisServer { server in
            var configuration = try testConfiguration(server, historyCapacity: 5000)
            let big = RedisBus(configuration: configuration, logger: testLogger)
            let empty = try usedMemory(server)
            let data = String(repeating: "d", count: 1000)
            for start in stride(from: 0, to: 3000, by: 100) {
                _ = try await big.publish((start..<start + 100).map { Envelope(scope: "s", data: "\($0) \(data)") })
            }
            let full = try usedMemory(server)
            try #require(full - empty > 2_000_000, "the history takes memory: \(full - empty) bytes")
            // The operator lowers the history (a restart with --history 100) because Redis is full.
            try server.cli("CONFIG", "SET", "maxmemory", String(empty + (full - empty) / 2))
            configuration.historyCapacity = 100
            let small = RedisBus(configuration: configuration, logger: testLogger)
            try await BusContract.withSubscription(small) { subscription in
                await #expect { _ = try await small.publish([Envelope(scope: "s", data: "refused")]) } throws: {
                    ($0 as? BusError)?.code == .unavailable
                }
                // Nothing publishes; the bus trims by itself and is ready again.
                #expect(await eventually(timeout: .seconds(20)) { small.isReady })
                #expect(try usedMemory(server) < empty + (full - empty) / 2)
                let after = try await small.publish([Envelope(scope: "s", data: "after")])
                #expect(await eventually { subscription.receiver.eventIDs.contains(after[0]) })
                let replay = try await small.replay(after: .zero)
                #expect(!replay.isComplete, "the trimmed events are reported missing")
                #expect(replay.events.count <= 102)
            }
        }
    }
}
