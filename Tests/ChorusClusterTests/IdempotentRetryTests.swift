import ChorusClient
import ChorusCore
import ChorusTesting
import Synchronization
import Testing

/// Redis freezes (SIGSTOP) while publishes are in flight: some get `503 outcome-unknown` although
/// Redis runs them when it goes on. A publisher that retries every non-2xx with the same
/// `Idempotency-Key` still gets every event delivered exactly once.
@Suite("Idempotent retries across a frozen Redis", .serialized)
struct IdempotentRetryTests {
    final class Publisher: Sendable {
        struct State {
            var accepted: [String: String] = [:]  // data → id
            var answers: [String: Int] = [:]  // "503 outcome-unknown" → count
        }
        let state = Mutex(State())
        let nodes: [NodeProcess]
        let useKeys: Bool

        init(nodes: [NodeProcess], useKeys: Bool = true) {
            self.nodes = nodes
            self.useKeys = useKeys
        }

        /// Publishes `data` until a node accepts it (bounded), with one key for every attempt.
        func publish(_ data: String, node first: Int) async {
            let key = "k-\(data)"
            for attempt in 0..<300 {
                let node = nodes[(first + attempt) % nodes.count]
                var headers = [("Content-Type", "application/json")]
                if useKeys { headers.append(("Idempotency-Key", key)) }
                let result = try? await node.client.send(.POST, "/publish", headers: headers, body: Array(#"{"scope":"doc","data":"\#(data)"}"#.utf8))
                if let result, result.status == 202, case .array(let ids)? = (try? JSONParser.parse(result.body))?["ids"], case .string(let id)? = ids.first {
                    state.withLock { $0.accepted[data] = id }
                    return
                }
                let code: String = if let result, case .string(let code)? = (try? JSONParser.parse(result.body))?["error"]?["code"] { code } else { "-" }
                state.withLock { $0.answers["\(result?.status ?? 0) \(code)", default: 0] += 1 }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("every event is delivered exactly once to every subscriber, though some publishes had an unknown outcome")
    func retriesWithTheSameKeyDeliverExactlyOnce() async throws {
        try await withLocalCluster(nodes: 2) { cluster in
            var subscribers: [EventCollector] = []
            for node in cluster.nodes { subscribers.append(try await node.subscribe(["doc"])) }
            let publisher = Publisher(nodes: cluster.nodes)
            let publishers = 4
            let perPublisher = 40
            let freeze = Task {
                // Freeze once publishing is under way, longer than the nodes' command timeout (2 s).
                _ = await eventually { publisher.state.withLock { $0.accepted.count } >= 20 }
                cluster.redis.pause()
                try? await Task.sleep(for: .seconds(3))
                cluster.redis.resume()
            }
            await withTaskGroup(of: Void.self) { group in
                for p in 0..<publishers {
                    group.addTask {
                        for i in 0..<perPublisher { await publisher.publish("e\(p)-\(i)", node: p + i) }
                    }
                }
            }
            await freeze.value
            cluster.redis.resume()

            let (accepted, answers) = publisher.state.withLock { ($0.accepted, $0.answers) }
            #expect(accepted.count == publishers * perPublisher, "every event was accepted in the end; answers: \(answers)")
            #expect(answers.keys.contains("503 outcome-unknown"), "the freeze caught a publish in flight (answers: \(answers))")
            #expect(answers.keys.allSatisfy { $0.hasPrefix("503 ") || $0.hasPrefix("0 ") }, "only 503s (or no answer) while Redis was frozen: \(answers)")
            for subscriber in subscribers {
                _ = await subscriber.waitFor(count: accepted.count, timeout: .seconds(30))
                // Give a duplicate, if any, the time to arrive: one more event after everything.
                _ = try await cluster.nodes[0].client.send(.POST, "/publish", headers: [("Content-Type", "application/json")], body: Array(#"{"scope":"doc","data":"end"}"#.utf8))
                _ = await subscriber.waitFor(count: accepted.count + 1, timeout: .seconds(30))
                let data = subscriber.events.map(\.data).filter { $0 != "end" }
                #expect(data.count == accepted.count, "each event exactly once: got \(data.count) for \(accepted.count)")
                #expect(Set(data) == Set(accepted.keys))
                let byData = Dictionary(subscriber.events.map { ($0.data, $0.lastEventID) }, uniquingKeysWith: { first, _ in first })
                for (data, id) in accepted { #expect(byData[data] == id, "\(data) arrived with the id its 202 gave") }
                let ids = subscriber.events.map(\.lastEventID)
                #expect(ids == ids.sorted { EventID($0)! < EventID($1)! }, "in order")
            }
            subscribers.forEach { $0.close() }
        }
    }
}
