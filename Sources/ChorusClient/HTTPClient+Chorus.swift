import AsyncHTTPClient
import NIOCore
import NIOSSL

extension ChorusClient {
    /// Makes an ``HTTPClient`` for Chorus clients: a keep-alive pool, `connectTimeout` for each new
    /// connection, TLS that trusts the system's roots and, when given, the CA certificates in the
    /// PEM file `additionalCAFile` (a private CA, or a test's). No redirects are followed.
    ///
    /// The caller owns it: `try await client.shutdown()` once it is no longer used.
    public static func makeHTTPClient(
        connectTimeout: Duration = .seconds(5),
        additionalCAFile: String? = nil,
        idleConnectionTimeout: Duration = .seconds(60)
    ) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let additionalCAFile {
            tls.additionalTrustRoots = [.file(additionalCAFile)]
        }
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(connectTimeout)),
            connectionPool: .init(idleTimeout: TimeAmount(idleConnectionTimeout))
        )
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}

extension TimeAmount {
    /// `duration`, in whole nanoseconds (saturating).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (nanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? .max : nanos.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}

extension ChorusClient {
    /// Runs `body` with a client for `baseURL` on an ``HTTPClient`` of its own (see
    /// ``makeHTTPClient(connectTimeout:additionalCAFile:idleConnectionTimeout:)``), and shuts that
    /// down afterwards, also when `body` throws. For scripts and commands; a long-running app
    /// makes one HTTPClient and keeps it.
    public static func withClient<Result>(
        baseURL: BaseURL,
        options: Options = Options(),
        connectTimeout: Duration = .seconds(5),
        additionalCAFile: String? = nil,
        _ body: (ChorusClient) async throws -> Result
    ) async throws -> Result {
        let http = makeHTTPClient(connectTimeout: connectTimeout, additionalCAFile: additionalCAFile)
        let result: Result
        do {
            result = try await body(ChorusClient(baseURL: baseURL, httpClient: http, options: options))
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return result
    }
}
