import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// Two `chorus` nodes joined through a Redis that speaks only TLS and wants client certificates
/// (`--tls-port`, `port 0`, `tls-auth-clients yes`): `--redis rediss://…` with `--redis-ca`,
/// `--redis-cert` and `--redis-key`.
@Suite("A cluster over TLS", .serialized)
struct TLSClusterTests {
    @Test("a publish on either node reaches the subscribers of both, in order, over rediss:// with mutual TLS")
    func fanOutOverTLS() async throws {
        let certificates = try TLSCertificates()
        let flags = ["--redis-ca", certificates.caFile, "--redis-cert", certificates.clientCertificateFile, "--redis-key", certificates.clientKeyFile]
        try await withLocalCluster(nodes: 2, redis: .init(tls: certificates, tlsAuthClients: true), arguments: flags) { cluster in
            #expect(cluster.redis.url.hasPrefix("rediss://"))
            var subscribers: [EventCollector] = []
            for node in cluster.nodes { subscribers.append(try await node.subscribe(["doc"])) }
            var ids: [String] = []
            for index in 0..<20 {
                let node = cluster.nodes[index % 2]
                ids += try await node.client.publish([Envelope(scope: "doc", data: "\(index)")]).map(\.description)
            }
            for subscriber in subscribers {
                let events = try #require(await subscriber.waitFor(count: 20))
                #expect(events.map(\.data) == (0..<20).map(String.init))
                #expect(events.map(\.lastEventID) == ids)
            }
            subscribers.forEach { $0.close() }
        }
    }

    @Test("a node given the wrong CA says so and does not become ready")
    func wrongCAIsReported() async throws {
        let certificates = try TLSCertificates()
        let other = try TLSCertificates()
        try await withRedisServer(options: .init(tls: certificates)) { redis in
            let node = try await NodeProcess.start(["--redis", redis.url, "--redis-ca", other.caFile], waitForReady: false)
            let reported = await eventually(timeout: .seconds(10)) { node.process.output.contains("certificate verify failed") }
            #expect(reported, "\(node.process.output.suffix(1500))")
            #expect(try await node.client.send(.GET, "/readyz").status == 503)
            await node.stop()
        }
    }
}
