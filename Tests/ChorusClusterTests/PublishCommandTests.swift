import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// `chorus publish`: its idempotency key, and its own retries after a 503.
@Suite("chorus publish", .serialized)
struct PublishCommandTests {
    /// Runs `chorus publish` against `node` and waits for it to exit (bounded).
    func run(_ node: NodeProcess, _ arguments: [String]) async throws -> (status: Int32?, output: String) {
        let process = try ChildProcess(
            executable: try NodeProcess.binary(),
            arguments: ["publish", "--url", "http://127.0.0.1:\(node.port)", "--key", LocalCluster.publisherKey] + arguments
        )
        _ = await eventually(timeout: .seconds(30)) { !process.isRunning }
        if process.isRunning { await process.kill9() }
        return (process.terminationStatus, process.output)
    }

    @Test("the same --idempotency-key publishes once and prints the original id; a bad key is refused")
    func idempotencyKey() async throws {
        let node = try await NodeProcess.start(publisherKey: LocalCluster.publisherKey)
        defer { Task { await node.stop() } }
        let subscriber = try await node.subscribe(["s"])
        let first = try await run(node, ["--scope", "s", "--data", "once", "--idempotency-key", "cli-1"])
        let second = try await run(node, ["--scope", "s", "--data", "once", "--idempotency-key", "cli-1"])
        #expect(first.status == 0 && second.status == 0, "\(first.output) \(second.output)")
        #expect(EventID(first.output.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(first.output)")
        #expect(first.output == second.output)
        let bad = try await run(node, ["--scope", "s", "--data", "x", "--idempotency-key", "has space"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("--idempotency-key"))
        _ = try await node.client.publish([Envelope(scope: "s", data: "marker")])
        _ = await subscriber.waitFor(count: 2)
        #expect(subscriber.data == ["once", "marker"])
        subscriber.close()
    }

    @Test("without a key it makes one up and retries a 503 with it until Redis is back: published once")
    func retriesAcrossAnOutage() async throws {
        try await withLocalCluster(nodes: 1, redis: .init(appendOnly: true)) { cluster in
            let node = cluster.nodes[0]
            let subscriber = try await node.subscribe(["s"])
            await cluster.redis.kill9()
            #expect(await eventually { (try? await node.client.send(.GET, "/readyz").status) == 503 })
            let command = Task { try await run(node, ["--scope", "s", "--data", "through the outage", "--retries", "8"]) }
            try await Task.sleep(for: .seconds(1))
            try await cluster.redis.restart()
            let result = try await command.value
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("retrying"), "it met a 503 first: \(result.output)")
            _ = try await node.client.publish([Envelope(scope: "s", data: "marker")])
            _ = await subscriber.waitFor(count: 2, timeout: .seconds(20))
            #expect(subscriber.data == ["through the outage", "marker"])
            subscriber.close()
        }
    }
}
