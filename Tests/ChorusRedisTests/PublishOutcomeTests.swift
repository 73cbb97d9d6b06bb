import ChorusCore
@testable import ChorusRedis
import ChorusTesting
import Testing

/// What a failed publish says about its events, with a real redis-server: refused before sending
/// is `unavailable` (and nothing was published); a link that breaks after sending is
/// `outcomeUnknown` (and the events may or may not be there).
@Suite("Publish outcomes")
struct PublishOutcomeTests {
    /// A configuration whose background traffic (probes, liveness) stays off the command
    /// connection during a test, so the publish under test is the one in flight.
    func quietConfiguration(_ server: RedisServer) throws -> RedisConfiguration {
        var configuration = try testConfiguration(server)
        configuration.probeInterval = .seconds(60)
        configuration.probeTimeout = .seconds(120)
        configuration.livenessInterval = .seconds(60)
        configuration.livenessTTL = .seconds(120)
        return configuration
    }

    @Test func aPublishRefusedWhileRedisIsDownIsUnavailableAndPublishesNothing() async throws {
        try await withRedisServer(options: .init(appendOnly: true)) { server in
            let bus = RedisBus(configuration: try testConfiguration(server), logger: testLogger)
            try await BusContract.unavailableMeansNothingWasPublished(bus, during: .init(
                inject: {
                    await server.kill9()
                    // The probes find the broken command connection; from then on it refuses.
                    #expect(await eventually { !bus.pipeline.isConnected })
                },
                repair: { try await server.restart() }
            ))
        }
    }

    @Test func aPublishInFlightWhenRedisFreezesIsOutcomeUnknownAndWasInFactPublished() async throws {
        try await withRedisServer { server in
            let bus = RedisBus(configuration: try quietConfiguration(server), logger: testLogger)
            let published = try await BusContract.outcomeUnknownMeansAtMostOnce(bus, during: .init(
                // The command timeout (1 s) passes while Redis is frozen with the script in its socket.
                inject: { server.pause() },
                repair: { server.resume() }
            ))
            // Redis ran the script once it went on: "nothing was published" would have been a lie.
            #expect(published)
            server.resume()
        }
    }

    @Test func aPublishWhoseConnectionIsKilledInFlightIsOutcomeUnknown() async throws {
        try await withRedisServer { server in
            let bus = RedisBus(configuration: try quietConfiguration(server), logger: testLogger)
            let published = try await BusContract.outcomeUnknownMeansAtMostOnce(bus, during: .init(
                prepare: {
                    // Writes wait (the script is sent and held by Redis), then the connection dies.
                    try server.cli("CLIENT", "PAUSE", "20000", "WRITE")
                },
                inject: {
                    var blocked: String?
                    _ = await eventually {
                        blocked = (try? server.cli("CLIENT", "LIST", "TYPE", "normal"))?.split(separator: "\n").first {
                            $0.contains("cmd=evalsha") && $0.split(separator: " ").contains { $0.hasPrefix("flags=") && $0.contains("b") }
                        }.flatMap { line in line.split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) } }
                        return blocked != nil
                    }
                    let id = try #require(blocked, "the publish never reached redis")
                    try server.cli("CLIENT", "KILL", "ID", id)
                },
                repair: { try server.cli("CLIENT", "UNPAUSE") }
            ))
            #expect(!published, "a killed client's held command is never run")
        }
    }
}
