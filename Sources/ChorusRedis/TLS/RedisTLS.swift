import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How connections to a `rediss://` server (and its Sentinels, with `rediss+sentinel://`) are
/// secured: the server's certificate is checked against ``caFile`` or the system's trust store,
/// its name against the host name in the URL (sent as SNI too; an IP address is checked against
/// the certificate's IP addresses), and ``certificateFile`` with ``keyFile`` are shown to a server
/// that asks for a client certificate (`tls-auth-clients yes`).
///
/// Only used when the URL says TLS; with `redis://` these settings are ignored.
public struct RedisTLS: Sendable, Hashable {
    /// A PEM file with the certificate authorities to trust instead of the system's (`--redis-ca`).
    public var caFile: String?
    /// A PEM file with this node's client certificate (chain), for mutual TLS (`--redis-cert`).
    public var certificateFile: String?
    /// A PEM file with the client certificate's private key (`--redis-key`).
    public var keyFile: String?

    /// Creates TLS settings; the defaults trust the system's certificate authorities and show no
    /// client certificate.
    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// Loads the files; throws a message that names the flag and the file when one cannot be used.
    /// A node checks this at start, so a typo in a path fails at once rather than at each
    /// reconnection.
    public func validate() throws(RedisURLError) {
        do {
            _ = try makeContext()
        } catch {
            throw RedisURLError(error.message)
        }
    }

    /// A NIOSSL client context for these settings. Made for each connection, so renewed
    /// certificate files are picked up at the next reconnection.
    func makeContext() throws(RedisConnectionError) -> NIOSSLContext {
        for (file, flag) in [(caFile, "redis-ca"), (certificateFile, "redis-cert"), (keyFile, "redis-key")] {
            if let file, access(file, R_OK) != 0 {
                throw RedisConnectionError("cannot read '\(file)' (\(flag)): \(String(cString: strerror(errno)))")
            }
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw RedisConnectionError("cannot read the redis CA file '\(caFile)' (redis-ca): \(error)")
            }
        }
        switch (certificateFile, keyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            } catch {
                throw RedisConnectionError("cannot read the redis client certificate '\(certificateFile)' (redis-cert): \(error)")
            }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw RedisConnectionError("cannot read the redis client key '\(keyFile)' (redis-key): \(error)")
            }
        case (nil, _?):
            throw RedisConnectionError("redis-key needs redis-cert (the client certificate that goes with the key)")
        case (_?, nil):
            throw RedisConnectionError("redis-cert needs redis-key (the private key of the client certificate)")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RedisConnectionError("cannot set up TLS for redis (redis-ca, redis-cert, redis-key): \(error)")
        }
    }
}
