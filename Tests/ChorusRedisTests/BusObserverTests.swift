import ChorusCore
import ChorusRedis
import ChorusTesting
import Synchronization
import Testing

/// What the node's metrics hear from the Redis bus (`RedisConfiguration.observer`): probe round
/// trips while healthy, a probe failure when the server freezes, a reconnection after it.
@Suite("Redis bus observer")
struct BusObserverTests {
    /// Counts what it is told.
    final class Tally: BusObserver {
        struct Counts {
            var reconnects = 0
            var probeFailures = 0
            var roundTrips: [Duration] = []
        }

        let counts = Mutex(Counts())

        func busReconnected() { counts.withLock { $0.reconnects += 1 } }
        func busProbeFailed() { counts.withLock { $0.probeFailures += 1 } }
        func busProbeReturned(after roundTrip: Duration) { counts.withLock { $0.roundTrips.append(roundTrip) } }
    }

    @Test func reportsProbesAndAReconnectionAfterAFreeze() async throws {
        try await withRedisServer { server in
            let tally = Tally()
            var configuration = try testConfiguration(server)
            configuration.observer = tally
            let bus = RedisBus(configuration: configuration, logger: testLogger)
            try await BusContract.withSubscription(bus) { _ in
                #expect(await eventually { bus.isReady })
                #expect(await eventually { tally.counts.withLock { $0.roundTrips.count } >= 2 })
                #expect(tally.counts.withLock { $0.roundTrips.allSatisfy { $0 > .zero && $0 < configuration.probeTimeout } })
                #expect(tally.counts.withLock { $0.reconnects == 0 && $0.probeFailures == 0 })

                // A frozen server: only the probe can tell; then the subscription reconnects.
                server.pause()
                #expect(await eventually { tally.counts.withLock { $0.probeFailures } >= 1 })
                server.resume()
                #expect(await eventually(timeout: .seconds(20)) { bus.isReady })
                #expect(await eventually { tally.counts.withLock { $0.reconnects } >= 1 })
            }
        }
    }
}
