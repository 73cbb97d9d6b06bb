import ChorusClient
import ChorusCore
import ChorusTesting
import Synchronization
import Testing

/// Redis is SIGKILLed while events flow and comes back on the same port with its append-only file.
@Suite("A Redis outage under a 3-node cluster", .serialized)
struct RedisOutageTests {
    /// Publishes numbered events round-robin over the nodes and records which were accepted (202)
    /// and how many were refused with 503.
    final class Publisher: Sendable {
        struct State {
            var accepted: [(id: String, data: String)] = []
            var refused = 0
            var next = 0
        }
        let state = Mutex(State())
        let nodes: [NodeProcess]

        init(nodes: [NodeProcess]) {
            self.nodes = nodes
        }

        func publish(count: Int) async {
            for _ in 0..<count {
                let index = state.withLock { state in
                    defer { state.next += 1 }
                    return state.next
                }
                let data = "event-\(index)"
                let node = nodes[index % nodes.count]
                let result = try? await node.client.send(
                    .POST, "/publish", headers: [("Content-Type", "application/json")],
                    body: Array(#"{"scope":"doc","data":"\#(data)"}"#.utf8)
                )
                state.withLock { state in
                    if result?.status == 202, case .array(let ids)? = (try? JSONParser.parse(result!.body))?["ids"],
                       case .string(let id)? = ids.first {
                        state.accepted.append((id, data))
                    } else {
                        // The only other answer a node may give while Redis is away.
                        #expect(result?.status == 503, "unexpected answer: \(result.map { "\($0.status) \($0.text)" } ?? "no response")")
                        if result?.status == 503 { #expect(result?.headers["Retry-After"].first != nil) }
                        state.refused += 1
                    }
                }
            }
        }
    }

    @Test("every accepted publish reaches every subscriber exactly once, in order; publishes during the outage get 503; nodes recover by themselves")
    func killRedisWhileEventsFlow() async throws {
        try await withLocalCluster(redis: .init(appendOnly: true)) { cluster in
            var subscribers: [EventCollector] = []
            for node in cluster.nodes {
                subscribers.append(try await node.subscribe(["doc"]))
                subscribers.append(try await node.subscribe(["doc"]))
            }
            let publisher = Publisher(nodes: cluster.nodes)
            await publisher.publish(count: 40)

            await cluster.redis.kill9()
            // While Redis is away: not ready, still alive, streams stay open, publishes refused.
            for node in cluster.nodes {
                #expect(await eventually { (try? await node.client.send(.GET, "/readyz").status) == 503 })
                #expect(try await node.client.send(.GET, "/healthz").status == 200)
            }
            let refusedBefore = publisher.state.withLock { $0.refused }
            await publisher.publish(count: 9)
            #expect(publisher.state.withLock { $0.refused } >= refusedBefore + 9)
            #expect(subscribers.allSatisfy { !$0.isFinished })

            try await cluster.redis.restart()
            for node in cluster.nodes {
                #expect(await eventually(timeout: .seconds(20)) { (try? await node.client.send(.GET, "/readyz").status) == 200 })
            }
            await publisher.publish(count: 40)

            let accepted = publisher.state.withLock { $0.accepted }
            #expect(accepted.count >= 80)
            for subscriber in subscribers {
                _ = await subscriber.waitFor(count: accepted.count, timeout: .seconds(20))
                let received = subscriber.events.map { (id: $0.lastEventID, data: $0.data) }
                let receivedIDs = received.map(\.id)
                // Exactly once: no duplicates; in order: ids increase.
                #expect(Set(receivedIDs).count == receivedIDs.count)
                #expect(receivedIDs == receivedIDs.sorted { EventID($0)! < EventID($1)! })
                // Every accepted event is there, with its data.
                let byID = Dictionary(uniqueKeysWithValues: received.map { ($0.id, $0.data) })
                for event in accepted {
                    #expect(byID[event.id] == event.data, "accepted \(event.id) missing")
                }
                #expect(!subscriber.isFinished)
            }
            for node in cluster.nodes { #expect(node.process.isRunning) }
            subscribers.forEach { $0.close() }
        }
    }
}
