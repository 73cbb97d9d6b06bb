import ChorusClient
import ChorusCore
import ChorusTesting
import Foundation
import Testing

/// A node follows the Sentinels' `+switch-master` at once. After `SENTINEL FAILOVER` the old
/// primary stays up and stays a primary until the Sentinels demote it (they wait until it has
/// reported itself a primary for 8 s): a node that only moved on losing its connection would keep
/// writing there, and what it wrote would vanish when the old primary resynchronises.
@Suite("Sentinel +switch-master", .serialized)
struct SentinelSwitchTests {
    enum Setup: String, CaseIterable, CustomStringConvertible {
        /// Sentinels that require a password (`?sentinel_password=`), plain TCP; a node without the
        /// password is refused (`NOAUTH`) and stays not ready.
        case sentinelPassword
        /// Servers, replication and Sentinels over TLS only (`rediss+sentinel://`), client certificates.
        case tls

        var description: String { rawValue }
    }

    @Test("after SENTINEL FAILOVER, publishes land on the new primary while the old one is still a primary", arguments: Setup.allCases)
    func followsTheAnnouncement(_ setup: Setup) async throws {
        let certificates = setup == .tls ? try TLSCertificates() : nil
        let password = setup == .sentinelPassword ? "sentinel-secret" : nil
        try await withSentinelGroup(sentinelPassword: password, tls: certificates) { group in
            var flags = ["--redis", group.url, "--redis-prefix", "test"]
            if let certificates {
                flags += ["--redis-ca", certificates.caFile, "--redis-cert", certificates.clientCertificateFile, "--redis-key", certificates.clientKeyFile]
            }
            if password != nil {
                // Without the Sentinels' password a node cannot learn the primary, and says why.
                let withoutPassword = group.url.replacingOccurrences(of: "?sentinel_password=sentinel-secret", with: "")
                let refused = try await NodeProcess.start(["--redis", withoutPassword, "--redis-prefix", "test"], waitForReady: false)
                #expect(await eventually { refused.process.output.contains("NOAUTH") }, "\(refused.process.output.suffix(1000))")
                #expect(try await refused.client.send(.GET, "/readyz").status == 503)
                await refused.stop()
            }
            let node = try await NodeProcess.start(flags, nodeID: "node1", publisherKey: LocalCluster.publisherKey)
            let subscriber = try await node.subscribe(["doc"])
            _ = try await node.client.publish([Envelope(scope: "doc", data: "before")])

            try group.sentinelCLI("SENTINEL", "FAILOVER", group.primaryName)
            let promoted = await eventually(timeout: .seconds(30), poll: .milliseconds(50)) { group.currentPrimaryPort() == group.replica.port }
            try #require(promoted, "the sentinels promoted the replica")
            let oldStillPrimary = try group.primary.cli("ROLE").hasPrefix("master")

            // Publish until an event is in the new primary's history (a publish may get 503 while
            // the node reconnects).
            var landed: String?
            let deadline = ContinuousClock.now + .seconds(4)
            var attempt = 0
            while landed == nil, ContinuousClock.now < deadline {
                attempt += 1
                let data = "after-\(attempt)"
                if (try? await node.client.publish([Envelope(scope: "doc", data: data)])) != nil,
                   (try? group.replica.cli("XRANGE", "test:history", "-", "+"))?.contains(data) == true {
                    landed = data
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(oldStillPrimary, "the old primary was still a primary when the switch was announced")
            let event = try #require(landed, "within 4 s of the switch, a publish landed on the new primary (\(attempt) tries)")
            #expect(await eventually { subscriber.events.contains { $0.data == event } }, "and reached the subscriber")
            #expect(node.process.output.contains("switched the primary"), "the node logged that it followed the announcement")
            subscriber.close()
            await node.stop()
        }
    }
}
