import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// Retries across a Redis outage: Redis freezes (SIGSTOP) while publishes are in flight, so some
/// get `503 outcome-unknown` although Redis runs them when it goes on. The client retries them
/// with the same `Idempotency-Key`, and every event is delivered exactly once.
@Suite("ChorusClient retries across a Redis outage", .serialized)
struct ClientRetryTests {
    @Test("every publish is accepted in the end and delivered exactly once, with the ids the client got")
    func exactlyOnceAcrossAFrozenRedis() async throws {
        try await withLocalCluster(nodes: 1) { cluster in
            let node = cluster.nodes[0]
            let subscriber = try await node.subscribe(["doc"])
            let retried = Shared<[String: Int]>([:])  // the retried failure's code → count
            let accepted = Shared<[String: EventID]>([:])  // data → id
            try await withHTTPClient { http in
                let options = ChorusClient.Options(
                    publisherKey: LocalCluster.publisherKey,
                    retry: RetryPolicy(maximumAttempts: 30, initialDelay: .milliseconds(100), maximumDelay: .seconds(1)),
                    onRetry: { attempt in retried.update { $0["\(attempt.error.code)", default: 0] += 1 } }
                )
                let client = try ChorusClient(baseURL: "http://127.0.0.1:\(node.port)", httpClient: http, options: options)
                let thawed = Shared(false)
                let freeze = Task {
                    // Freeze once publishing is under way, longer than the node's command timeout (2 s).
                    _ = await eventually { accepted.value.count >= 10 }
                    cluster.redis.pause()
                    try? await Task.sleep(for: .seconds(3))
                    cluster.redis.resume()
                    thawed.update { $0 = true }
                }
                // Each publisher goes on until Redis is back, so that publishes are in flight when it freezes.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for publisher in 0..<4 {
                        group.addTask {
                            var index = 0
                            while index < 25 || !thawed.value {
                                let data = "e\(publisher)-\(index)"
                                let ids = try await client.publish([Envelope(scope: "doc", data: data)])
                                accepted.update { $0[data] = ids[0] }
                                index += 1
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                await freeze.value
            }
            cluster.redis.resume()

            let (ids, retries) = (accepted.value, retried.value)
            #expect(ids.count >= 100)
            #expect(retries["outcome-unknown", default: 0] > 0, "the freeze caught a publish in flight: \(retries)")
            _ = await subscriber.waitFor(count: ids.count, timeout: .seconds(30))
            // A duplicate, if any, would arrive before this marker.
            _ = try await node.client.publish([Envelope(scope: "doc", data: "end")])
            _ = await subscriber.waitFor(count: ids.count + 1, timeout: .seconds(30))
            let delivered = subscriber.events.filter { $0.data != "end" }
            #expect(delivered.count == ids.count, "each event exactly once: \(delivered.count) deliveries for \(ids.count) events; retries: \(retries)")
            #expect(Set(delivered.map(\.data)) == Set(ids.keys))
            for event in delivered { #expect(ids[event.data]?.description == event.lastEventID, "\(event.data) arrived with the id the client got") }
            subscriber.close()
        }
    }
}
