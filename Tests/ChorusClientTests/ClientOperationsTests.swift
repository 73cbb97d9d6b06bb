import AsyncHTTPClient
import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// The backend client against a real `chorus serve` node: typed results, typed refusals.
@Suite("ChorusClient against a node")
struct ClientOperationsTests {
    @Test("publish returns the ids the stream then shows; presence lists the stream; close-user ends it")
    func publishStreamPresenceClose() async throws {
        try await withNode { node in
            try await withHTTPClient { http in
                let client = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)", httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey))
                let stream = try await client.events(scopes: ["doc"], session: "tab-1", token: try await token("alice"))
                #expect(await eventually { (try? await client.presence(scope: "doc"))?.isEmpty == false })
                let present = try await client.presence(scope: "doc")
                #expect(present.map(\.userID) == ["alice"])
                #expect(present.map(\.sessionID) == ["tab-1"])
                #expect(try await client.presence(scope: "nobody-here").isEmpty)

                let ids = try await client.publish([
                    Envelope(scope: "doc", event: "changed", data: "one"),
                    Envelope(scope: "doc", data: "two\nlines"),
                ])
                #expect(ids.count == 2 && ids[0] < ids[1])
                var events = stream.makeAsyncIterator()
                let received = try await next(2, from: &events)
                #expect(received == [
                    ServerSentEvent(id: ids[0].description, event: "changed", data: "one"),
                    ServerSentEvent(id: ids[1].description, event: "message", data: "two\nlines"),
                ])
                #expect(stream.lastEventID == ids[1].description)

                try await client.closeUser("alice")
                let rest = try await next(10, from: &events)
                #expect(rest.map(\.event) == ["close"], "a close event, then the end of the stream: \(rest)")
                #expect(await eventually { (try? await client.presence(scope: "doc"))?.isEmpty == true })
            }
        }
    }

    @Test("leaving the loop over a stream closes its connection: the node sees the subscriber go")
    func leavingTheLoopCloses() async throws {
        try await withNode { node in
            try await withHTTPClient { http in
                let client = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)", httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey))
                let reader = Task {
                    for try await event in try await client.events(scopes: ["room"], session: "reader") where event.data == "stop" { break }
                }
                #expect(await eventually { (try? await client.presence(scope: "room"))?.count == 1 })
                _ = try await client.publish([Envelope(scope: "room", data: "stop")])
                try await reader.value
                #expect(await eventually { (try? await client.presence(scope: "room"))?.isEmpty == true })
            }
        }
    }

    @Test("a stream resumes after lastEventID with exactly what came after it")
    func resume() async throws {
        try await withNode { node in
            try await withHTTPClient { http in
                let client = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)/", httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey))
                let first = try await client.publish([Envelope(scope: "s", data: "seen")])
                let later = try await client.publish([Envelope(scope: "s", data: "missed 1"), Envelope(scope: "s", data: "missed 2")])
                var events = try await client.events(scopes: ["s"], lastEventID: first[0].description).makeAsyncIterator()
                let replayed = try await next(2, from: &events)
                #expect(replayed.map(\.data) == ["missed 1", "missed 2"])
                #expect(replayed.map(\.id) == later.map(\.description))
            }
        }
    }

    @Test("the same idempotency key publishes once and returns the first ids")
    func idempotencyKey() async throws {
        try await withNode { node in
            try await withHTTPClient { http in
                let client = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)", httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey))
                let first = try await client.publish([Envelope(scope: "s", data: "once")], idempotencyKey: "order-42")
                let again = try await client.publish([Envelope(scope: "s", data: "once")], idempotencyKey: "order-42")
                #expect(first == again)
                let other = try await client.publish([Envelope(scope: "s", data: "once")])
                #expect(other != first, "without a key of its own each call gets a new one")
            }
        }
    }

    @Test("refusals carry the node's status, code and message, and are not retried")
    func refusals() async throws {
        try await withNode { node in
            try await withHTTPClient { http in
                let retries = Shared(0)
                let wrongKey = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)", httpClient: http, options: .init(publisherKey: "not-the-key", onRetry: { _ in retries.update { $0 += 1 } }))
                let unauthorized = await chorusError { _ = try await wrongKey.publish([Envelope(scope: "s", data: "x")]) }
                #expect(unauthorized?.code == .refused)
                #expect(unauthorized?.status == 401)
                #expect(unauthorized?.nodeCode == "invalid-publisher-key")
                #expect(unauthorized?.message.isEmpty == false)
                #expect(await chorusError { _ = try await wrongKey.presence(scope: "s") }?.nodeCode == "invalid-publisher-key")
                #expect(await chorusError { try await wrongKey.closeUser("alice") }?.status == 401)

                let client = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)", httpClient: http, options: .init(publisherKey: LocalCluster.publisherKey, onRetry: { _ in retries.update { $0 += 1 } }))
                let invalid = await chorusError { _ = try await client.publish([Envelope(scope: "", data: "x")]) }
                #expect(invalid?.code == .refused)
                #expect(invalid?.status == 400)
                #expect(invalid?.nodeCode == "invalid-event")
                let badToken = await chorusError { _ = try await client.events(scopes: ["s"], token: "not-a-token") }
                #expect(badToken?.code == .refused)
                #expect(badToken?.status == 401)
                #expect(badToken?.nodeCode == "invalid-token")
                #expect(retries.value == 0)
                #expect(await chorusError { _ = try await client.publish([Envelope(scope: "s", data: "x")], idempotencyKey: "has space") }?.code == .invalidArgument)
            }
        }
    }

    @Test("a base URL that is not http(s), or has a query, is refused before anything is sent")
    func invalidBaseURLs() throws {
        for url in ["ftp://example.com", "example.com", "http://", "http://host:0", "http://host:99999", "https://host/x?y=1", "http://user@host"] {
            #expect(throws: ChorusError.self, "\(url)") { _ = try ChorusClient(baseURL: url) }
        }
        let url = try BaseURL("HTTPS://example.com:8443/chorus//")
        #expect(url.url("/publish") == "https://example.com:8443/chorus/publish")
        #expect(try BaseURL("http://[::1]:8080").url("/events") == "http://[::1]:8080/events")
    }

    @Test("a node that is not there: connection failures are retried, then reported as connectionFailed")
    func nobodyListening() async throws {
        try await withHTTPClient(connectTimeout: .milliseconds(500)) { http in
            let attempts = Shared<[RetryAttempt]>([])
            let options = ChorusClient.Options(
                requestTimeout: .seconds(2),
                retry: RetryPolicy(maximumAttempts: 3, initialDelay: .milliseconds(50)),
                onRetry: { attempt in attempts.update { $0.append(attempt) } }
            )
            let client = try ChorusClient(baseURL: "http://127.0.0.1:\(FreePort.next())", httpClient: http, options: options)
            let error = await chorusError { _ = try await client.publish([Envelope(scope: "s", data: "x")], idempotencyKey: "k-1") }
            #expect(error?.code == .connectionFailed, "\(String(describing: error))")
            let seen = attempts.value
            #expect(seen.map(\.retry) == [1, 2])
            #expect(seen.allSatisfy { $0.idempotencyKey == "k-1" && $0.operation == "publish" })
        }
    }
}
