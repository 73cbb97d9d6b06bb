import AsyncHTTPClient
import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// The client where backends meet nodes in production: behind a reverse proxy (nginx, started by
/// the test), under a path prefix, over TLS.
@Suite("ChorusClient through a proxy")
struct ClientThroughProxyTests {
    /// Publishes, reads the stream and presence through `baseURL`, and checks they agree.
    func roundTrip(_ baseURL: String, http: HTTPClient) async throws {
        let client = try ChorusClient(baseURL: baseURL, httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey))
        let stream = try await client.events(scopes: ["doc"], session: "backend-reader")
        #expect(await eventually { (try? await client.presence(scope: "doc"))?.map(\.sessionID) == ["backend-reader"] })
        var ids: [EventID] = []
        // Several requests, so that they go over the pool's kept-alive connection.
        for index in 0..<3 { ids += try await client.publish([Envelope(scope: "doc", event: "changed", data: "v\(index)")]) }
        var events = stream.makeAsyncIterator()
        let received = try await next(3, from: &events)
        #expect(received.map(\.data) == ["v0", "v1", "v2"])
        #expect(received.map(\.id) == ids.map(\.description))
        #expect(received.allSatisfy { $0.event == "changed" })
    }

    @Test("a base URL with a path prefix: every route goes under it")
    func pathPrefix() async throws {
        try await withNode { node in
            let proxy = try await NginxProxy(upstreamPort: node.port, location: "/chorus/")
            do {
                try await withHTTPClient { http in
                    try await roundTrip("http://127.0.0.1:\(proxy.port)/chorus/", http: http)
                    // Without the prefix the proxy has no such route: the client must not drop it.
                    let outside = try ChorusClient(baseURL: "http://127.0.0.1:\(proxy.port)/", httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey))
                    let error = await chorusError { _ = try await outside.publish([Envelope(scope: "doc", data: "x")]) }
                    #expect(error?.code == .refused && error?.status == 404)
                }
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }
    }

    @Test("https through a TLS proxy with the test's CA; without that CA the handshake is refused")
    func tls() async throws {
        let certificates = try TLSCertificates()
        try await withNode { node in
            let proxy = try await NginxProxy(upstreamPort: node.port, location: "/chorus/", certificates: certificates)
            do {
                #expect(proxy.baseURL.hasPrefix("https://"))
                try await withHTTPClient(additionalCAFile: certificates.caFile) { http in
                    try await roundTrip(proxy.baseURL, http: http)
                }
                try await withHTTPClient(connectTimeout: .seconds(1)) { http in
                    let untrusting = try ChorusClient(baseURL: proxy.baseURL, httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey, retry: .none))
                    let error = await chorusError { _ = try await untrusting.publish([Envelope(scope: "doc", data: "x")]) }
                    #expect(error?.code == .tlsFailed, "\(String(describing: error))")
                }
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }
    }
}
