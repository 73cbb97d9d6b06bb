import ChorusClient
import ChorusCore
import ChorusTesting
import Synchronization
import Testing

/// Two nodes joined through Sentinel (`redis+sentinel://…`) with `--redis-replicas-ack 1`; the
/// primary is SIGKILLed while events are published. The Sentinels promote the replica, both nodes
/// follow by themselves, and every publish that got `202` reaches every subscriber exactly once,
/// in order (an attempt whose outcome was unknown may arrive as well, under its own id: see the
/// test).
@Suite("Sentinel failover", .serialized)
struct SentinelFailoverTests {
    final class Publisher: Sendable {
        struct State {
            var accepted: [(data: String, id: String)] = []
            var answers: [String: Int] = [:]
        }
        let state = Mutex(State())
        let nodes: [NodeProcess]

        init(nodes: [NodeProcess]) { self.nodes = nodes }

        /// Publishes `data` until a node accepts it (bounded), with one idempotency key throughout.
        func publish(_ data: String, node first: Int) async {
            for attempt in 0..<300 {
                let node = nodes[(first + attempt) % nodes.count]
                let result = try? await node.client.send(
                    .POST, "/publish",
                    headers: [("Content-Type", "application/json"), ("Idempotency-Key", "k-\(data)")],
                    body: Array(#"{"scope":"doc","data":"\#(data)"}"#.utf8)
                )
                if let result, result.status == 202, case .array(let ids)? = (try? JSONParser.parse(result.body))?["ids"], case .string(let id)? = ids.first {
                    state.withLock { $0.accepted.append((data, id)) }
                    return
                }
                let code: String = if let result, case .string(let code)? = (try? JSONParser.parse(result.body))?["error"]?["code"] { code } else { "-" }
                state.withLock { $0.answers["\(result?.status ?? 0) \(code)", default: 0] += 1 }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// With `--redis-replicas-ack 1` nothing accepted may be lost; with 0 the test reports (on
    /// standard output) how many accepted events the failover lost, and asserts the rest.
    @Test("both nodes follow a failover; with replicas-ack 1 every accepted publish reaches every subscriber once, in order", arguments: [1, 0])
    func failover(replicasAck: Int) async throws {
        try await withSentinelGroup { group in
            var nodes: [NodeProcess] = []
            defer { let started = nodes; Task { for node in started { await node.stop() } } }
            for index in 0..<2 {
                nodes.append(try await NodeProcess.start(
                    ["--redis", group.url, "--redis-prefix", "test", "--redis-replicas-ack", "\(replicasAck)", "--token-secret", LocalCluster.tokenSecret],
                    nodeID: "node\(index + 1)", publisherKey: LocalCluster.publisherKey
                ))
            }
            var subscribers: [EventCollector] = []
            for node in nodes { subscribers.append(try await node.subscribe(["doc"])) }
            let publisher = Publisher(nodes: nodes)
            let oldPrimary = group.primary.port
            let started = nodes
            let killer = Task { () -> (notReady: [Bool], promoted: Bool) in
                _ = await eventually { publisher.state.withLock { $0.accepted.count } >= 15 }
                await group.primary.kill9()
                var notReady: [Bool] = []
                for node in started {
                    notReady.append(await eventually(timeout: .seconds(10), poll: .milliseconds(20)) { (try? await node.client.send(.GET, "/readyz").status) == 503 })
                }
                // Once the replica is promoted, the old primary comes back and the Sentinels make
                // it the new primary's replica: `--redis-replicas-ack 1` can be met again.
                let promoted = await eventually(timeout: .seconds(30)) { group.currentPrimaryPort() == group.replica.port }
                try? await group.primary.restart()
                return (notReady, promoted)
            }
            await withTaskGroup(of: Void.self) { tasks in
                for p in 0..<2 {
                    tasks.addTask {
                        for i in 0..<40 {
                            await publisher.publish("e\(p)-\(i)", node: p + i)
                            try? await Task.sleep(for: .milliseconds(40))
                        }
                    }
                }
            }
            let switched = await killer.value
            #expect(switched.notReady == [true, true], "/readyz is 503 on both nodes during the switch")
            // Seen at the time, not at the end: on a loaded machine the Sentinels sometimes fail
            // over a second time, back to the restarted old primary; the nodes must follow that too.
            #expect(switched.promoted, "the sentinels promoted the replica (primary was \(oldPrimary))")
            for node in nodes {
                #expect(await eventually(timeout: .seconds(30)) { (try? await node.client.send(.GET, "/readyz").status) == 200 }, "the node follows the new primary")
            }
            let (accepted, answers) = publisher.state.withLock { ($0.accepted, $0.answers) }
            #expect(accepted.count == 80, "every event accepted in the end; answers meanwhile: \(answers)")
            #expect(answers.keys.allSatisfy { $0.hasPrefix("503 ") || $0.hasPrefix("0 ") }, "only 503s during the switch: \(answers)")
            for subscriber in subscribers {
                _ = await subscriber.waitFor(count: accepted.count, timeout: replicasAck > 0 ? .seconds(30) : .seconds(10))
                // Our events only: a reset (history gap) is counted apart.
                let received = subscriber.events.filter { $0.data.hasPrefix("e") }.map { ($0.data, $0.lastEventID) }
                let resets = subscriber.events.count - received.count
                let ids = received.map(\.1)
                #expect(Set(ids).count == ids.count, "no duplicates")
                #expect(ids == ids.sorted { EventID($0)! < EventID($1)! }, "in order")
                let deliveredIDs = Set(ids)
                let lost = accepted.filter { !deliveredIDs.contains($0.id) }
                if replicasAck > 0 {
                    #expect(lost.isEmpty, "accepted but never delivered: \(lost.map(\.data))")
                    #expect(resets == 0, "the new primary had every delivered event: no reset")
                    // Besides the accepted events, a subscriber may have an earlier attempt of one:
                    // the dying primary ran its script and delivered it, but died before the
                    // replica had it (so the publisher was told `outcome-unknown`, or got no
                    // answer), and the idempotency record died with it, so the retry published the
                    // event again under a new id. Nothing else.
                    let acceptedIDs = Set(accepted.map(\.id))
                    let extra = received.filter { !acceptedIDs.contains($0.1) }
                    let unknownOutcomes = answers.filter { $0.key == "503 outcome-unknown" || $0.key.hasPrefix("0 ") }.map(\.value).reduce(0, +)
                    #expect(extra.allSatisfy { event in accepted.contains { $0.data == event.0 } }, "only earlier attempts of accepted events: \(extra)")
                    #expect(extra.count <= unknownOutcomes, "at most one per attempt whose outcome was unknown (\(unknownOutcomes)): \(extra)")
                    if !extra.isEmpty {
                        print("sentinel failover with --redis-replicas-ack 1: \(extra.count) earlier attempt(s) delivered besides the 80 accepted events (\(extra.map(\.0))), \(unknownOutcomes) unknown outcome(s)")
                    }
                } else {
                    print("sentinel failover with --redis-replicas-ack 0: \(lost.count) of \(accepted.count) accepted events lost (\(lost.map(\.data))), \(resets) reset(s)")
                }
            }
            subscribers.forEach { $0.close() }
            for node in nodes { await node.stop() }
            nodes = []
        }
    }
}
