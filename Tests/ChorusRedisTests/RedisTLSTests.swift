import ChorusCore
import ChorusRedis
import ChorusTesting
import Logging
import Testing

/// `rediss://` through the TLS relay against Debian's redis-server with `--tls-port` and no plain
/// port: the usual mistakes fail with a message that says which, and mutual TLS works. (The whole
/// `Bus` contract runs over TLS too: `BusKind.redisTLS`.)
@Suite("Redis over TLS")
struct RedisTLSTests {
    /// The connection failures are the point here: keep them out of the test output.
    static let silentLogger: Logger = {
        var logger = Logger(label: "chorus.redis.tls-test")
        logger.logLevel = .critical
        return logger
    }()

    /// The message of the first publish on a bus with `configuration`, or `nil` if it was accepted.
    func firstPublishError(_ configuration: RedisConfiguration) async -> String? {
        let bus = RedisBus(configuration: configuration, logger: Self.silentLogger)
        do {
            _ = try await bus.publish([BusContract.sample(0, tag: "tls")])
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a server certificate from another CA fails with 'certificate verify failed'")
    func wrongCA() async throws {
        let other = try TLSCertificates()
        try await withRedisServer(options: .init(tls: try TLSCertificates())) { server in
            var configuration = try testConfiguration(server)
            configuration.tls.caFile = other.caFile
            let message = try #require(await firstPublishError(configuration))
            #expect(message.contains("certificate verify failed"), "\(message)")
        }
    }

    @Test("a certificate for another name fails with 'wrong host name', for a name and for an IP address")
    func wrongHostName() async throws {
        try await withRedisServer(options: .init(tls: try TLSCertificates(serverNames: ["redis.example"]))) { server in
            for url in ["rediss://localhost:\(server.port)", "rediss://127.0.0.1:\(server.port)"] {
                var configuration = try testConfiguration(server)
                configuration.url = try RedisURL(url)
                let message = try #require(await firstPublishError(configuration))
                #expect(message.contains("wrong host name"), "\(url): \(message)")
            }
        }
    }

    @Test("rediss:// to a plain-TCP redis fails with 'TLS handshake failed'")
    func plainServer() async throws {
        let certificates = try TLSCertificates()
        try await withRedisServer { server in
            var configuration = try testConfiguration(server)
            configuration.url = try RedisURL("rediss://localhost:\(server.port)")
            configuration.tls.caFile = certificates.caFile
            let message = try #require(await firstPublishError(configuration))
            #expect(message.contains("TLS handshake failed"), "\(message)")
        }
    }

    @Test("with tls-auth-clients yes, a node needs its client certificate; with it, events are published and delivered")
    func mutualTLS() async throws {
        let certificates = try TLSCertificates()
        try await withRedisServer(options: .init(tls: certificates, tlsAuthClients: true)) { server in
            let without = try testConfiguration(server)
            #expect(await firstPublishError(without) != nil)

            var with = try testConfiguration(server)
            with.tls.certificateFile = certificates.clientCertificateFile
            with.tls.keyFile = certificates.clientKeyFile
            #expect(await firstPublishError(with) == nil)
            try await BusContract.deliversEveryEnvelopeInOrder(RedisBus(configuration: with, logger: testLogger))
        }
    }

    @Test("a client certificate without its key, or a CA file that does not exist, is refused with the setting's name")
    func badSettings() {
        #expect(throws: RedisURLError.self) { try RedisTLS(certificateFile: "/dev/null").validate() }
        #expect {
            try RedisTLS(caFile: "/nonexistent/ca.crt").validate()
        } throws: { error in
            (error as? RedisURLError)?.message.contains("(redis-ca)") == true
        }
    }
}
