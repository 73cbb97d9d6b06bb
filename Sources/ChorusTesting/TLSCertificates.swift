import Foundation

/// A throwaway certificate authority, a server certificate and a client certificate it signed,
/// made with `openssl` in a temporary directory: for Redis over TLS in tests. Each instance is a
/// CA of its own, so another instance's ``caFile`` is a "wrong CA".
public final class TLSCertificates: Sendable {
    /// The directory that holds the files.
    public let directory: URL
    /// The names the server certificate is for (DNS names and IP addresses).
    public let serverNames: [String]

    /// The CA's certificate (PEM): what a client trusts (`--redis-ca`, Redis' `tls-ca-cert-file`).
    public var caFile: String { path("ca.crt") }
    /// The server's certificate (Redis' `tls-cert-file`; also its client certificate for replication).
    public var serverCertificateFile: String { path("server.crt") }
    /// The server certificate's private key.
    public var serverKeyFile: String { path("server.key") }
    /// A client certificate the CA signed (`--redis-cert`), for `tls-auth-clients yes`.
    public var clientCertificateFile: String { path("client.crt") }
    /// The client certificate's private key (`--redis-key`).
    public var clientKeyFile: String { path("client.key") }

    /// Makes a CA and, signed by it, a server certificate for `serverNames` (by default
    /// `localhost` and `127.0.0.1`) and a client certificate. EC P-256 keys, valid for two days.
    public init(serverNames: [String] = ["localhost", "127.0.0.1"]) throws {
        self.serverNames = serverNames
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let names = serverNames.map { name in
            name.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? "IP:\(name)" : "DNS:\(name)"
        }.joined(separator: ",")
        try "subjectAltName=\(names)\nextendedKeyUsage=serverAuth,clientAuth\n".write(to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(to: directory.appendingPathComponent("client.ext"), atomically: true, encoding: .utf8)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + key + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Chorus test CA \(directory.lastPathComponent)"])
        for (name, subject) in [("server", serverNames.first ?? "server"), ("client", "chorus-node")] {
            try openssl(["req", "-new"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(subject)"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "\(name).crt", "-days", "2", "-extfile", "\(name).ext"])
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    private func openssl(_ arguments: [String]) throws {
        let (status, output) = try ToolRun.run(try RedisServer.executable("openssl"), arguments, in: directory)
        guard status == 0 else {
            throw RedisServerError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(output)")
        }
    }
}
