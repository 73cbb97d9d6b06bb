import ChorusCore
import ChorusRedis
import ChorusTesting
import Testing

@Suite("Redis presence and node liveness")
struct RedisPresenceTests {
    @Test("a node that stops refreshing its liveness key drops out of listings, and a live node removes its entries with leave events")
    func deadNodeEntriesVanish() async throws {
        try await withRedisServer { server in
            var configuration = try testConfiguration(server)
            configuration.livenessInterval = .milliseconds(200)
            var doomedConfiguration = configuration
            // Long enough that the doomed node is still listed when the test first looks, on a
            // machine whose parallel test run is slow (800 ms was not: the first look found it
            // gone); short enough that it lapses well inside the 10 s the test waits.
            doomedConfiguration.livenessTTL = .seconds(3)
            doomedConfiguration.nodeName = "doomed"
            // The doomed bus never runs `run(delivering:)`, so nothing refreshes its key: like a
            // node killed right after its connections joined.
            let doomed = RedisBus(configuration: doomedConfiguration, logger: testLogger)
            let survivor = RedisBus(configuration: configuration, logger: testLogger)
            let ghost = PresenceEntry(scope: "room", connectionID: "ghost-1", userID: "alice", nodeID: "doomed", connectedAt: 1)
            let alive = PresenceEntry(scope: "room", connectionID: "alive-1", userID: "bob", nodeID: "node", connectedAt: 2)
            try await BusContract.withSubscription(survivor) { subscription in
                try await doomed.addPresence([ghost])
                try await survivor.addPresence([alive])
                #expect(try await survivor.presence(in: "room") == [ghost, alive])
                let gone = await eventually(timeout: .seconds(10)) { (try? await survivor.presence(in: "room")) == [alive] }
                #expect(gone, "the dead node's entry is no longer listed")
                let left = await eventually(timeout: .seconds(10)) { subscription.receiver.controls.contains(.presenceLeave(ghost)) }
                #expect(left, "a live node announced the dead node's entry as a leave")
                #expect(!subscription.receiver.controls.contains(.presenceLeave(alive)))
                let remaining = try server.cli("HLEN", "\(configuration.keyPrefix):presence:scope:room")
                #expect(remaining.contains("1"), "only the live entry is left in redis: \(remaining)")
            }
        }
    }
}
