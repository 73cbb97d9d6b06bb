import Foundation

/// An nginx reverse proxy in front of a node, as a deployment puts one: it serves the node under
/// a path prefix (`/chorus/` → `/`), over TLS when given certificates, with the SSE-safe settings
/// (`proxy_buffering off`, HTTP/1.1 keep-alive to the node, a long read timeout).
///
/// Runs `nginx` from `PATH` (Debian's `nginx-light`) in a temporary prefix directory of its own.
public final class NginxProxy: Sendable {
    /// The port the proxy listens on, on 127.0.0.1.
    public let port: Int
    /// The path the node is served under, with slashes (`/chorus/`).
    public let location: String
    /// Whether it speaks TLS.
    public let tls: Bool
    /// The nginx master process.
    public let process: ChildProcess
    private let directory: URL

    /// The base URL of the node through the proxy (`https://127.0.0.1:PORT/chorus/`).
    public var baseURL: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)\(location)" }

    /// Starts nginx proxying `location` to the node on `127.0.0.1:upstreamPort`, with TLS when
    /// `certificates` are given (their server certificate is for `127.0.0.1` and `localhost`).
    /// Returns once it accepts connections.
    public init(upstreamPort: Int, location: String = "/chorus/", certificates: TLSCertificates? = nil) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-nginx-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
        let port = FreePort.next()
        let listen = certificates.map { certificates in
            """
            listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(certificates.serverCertificateFile);
                    ssl_certificate_key \(certificates.serverKeyFile);
            """
        } ?? "listen 127.0.0.1:\(port);"
        let configuration = """
            # Root: the workers run as the test's user, so they can use the temporary directory.
            user root;
            worker_processes 1;
            daemon off;
            pid nginx.pid;
            error_log stderr warn;
            events { worker_connections 512; }
            http {
                access_log off;
                client_body_temp_path tmp/body;
                proxy_temp_path tmp/proxy;
                fastcgi_temp_path tmp/fastcgi;
                uwsgi_temp_path tmp/uwsgi;
                scgi_temp_path tmp/scgi;
                upstream chorus {
                    server 127.0.0.1:\(upstreamPort);
                    keepalive 16;
                }
                server {
                    \(listen)
                    location \(location) {
                        proxy_pass http://chorus/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        # SSE: pass every frame on at once, and let streams stay idle between heartbeats.
                        proxy_buffering off;
                        proxy_cache off;
                        proxy_read_timeout 1h;
                    }
                }
            }

            """
        try configuration.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        guard let nginx = try? RedisServer.executable("nginx") else {
            throw ChildProcessError("nginx not found in PATH; install it with: apt-get install -y nginx-light")
        }
        let process = try ChildProcess(
            executable: nginx,
            arguments: ["-p", directory.path + "/", "-c", directory.appendingPathComponent("nginx.conf").path, "-e", "stderr"]
        )
        guard await eventually({ FreePort.isListening(port) || !process.isRunning }), process.isRunning else {
            await process.stop()
            try? FileManager.default.removeItem(at: directory)
            throw ChildProcessError("nginx did not start: \(process.output)")
        }
        self.port = port
        self.location = location
        self.tls = certificates != nil
        self.process = process
        self.directory = directory
    }

    /// Stops nginx and removes its directory.
    public func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
