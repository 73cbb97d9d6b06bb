import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

// Serialized: each test runs Redis and three node processes (see IdentityAcrossNodesTests).
@Suite("Presence across a Redis cluster of three node processes", .serialized)
struct PresenceAcrossNodesTests {
    /// `GET /presence/{scope}` on `node`, as (user or "-", session or "-", node) triples.
    static func presence(_ scope: String, on node: NodeProcess) async throws -> (entries: Set<String>, users: String?) {
        let result = try await node.client.send(.GET, "/presence/\(scope)")
        guard result.status == 200, case .array(let connections)? = try JSONParser.parse(result.body)["connections"] else {
            throw ChorusClientError("presence answered \(result.status): \(result.text)")
        }
        let entries = Set(connections.map { entry in
            ["user", "session", "node"].map { if case .string(let s)? = entry[$0] { s } else { "-" } }.joined(separator: " ")
        })
        var users: String?
        if case .number(let count)? = try JSONParser.parse(result.body)["users"] { users = count }
        return (entries, users)
    }

    @Test("presence lists the connections of a scope on every node, and join/leave events reach those who asked")
    func listingAndEvents() async throws {
        try await withLocalCluster { cluster in
            let watcher = try await cluster.nodes[0].subscribe(["room"], session: "w", token: try await clusterToken("W"), presence: true)
            let a = try await cluster.nodes[1].subscribe(["room"], session: "a1", token: try await clusterToken("A"))
            let anonymous = try await cluster.nodes[2].subscribe(["room"], session: "x")
            let expected: Set<String> = ["W w node1", "A a1 node2", "- x node3"]
            for node in cluster.nodes {
                #expect(await eventually { (try? await Self.presence("room", on: node).entries) == expected })
            }
            #expect(try await Self.presence("room", on: cluster.nodes[2]).users == "2")

            let joins = try #require(await watcher.waitFor(count: 2))
            #expect(joins.map(\.type) == ["join", "join"])
            #expect(joins[0].data.contains(#""user":"A","session":"a1","node":"node2""#), "\(joins[0].data)")
            #expect(joins[1].data.contains(#""user":null,"session":"x","node":"node3""#), "\(joins[1].data)")

            a.close()
            let leave = try #require(await watcher.waitFor(count: 3)).last
            #expect(leave?.type == "leave")
            #expect(leave?.data.contains(#""session":"a1","node":"node2""#) == true)
            #expect(await eventually { (try? await Self.presence("room", on: cluster.nodes[0]).entries) == ["W w node1", "- x node3"] })
            [watcher, anonymous].forEach { $0.close() }
        }
    }

    @Test("after kill -9 of a node its connections vanish from presence within 15 s, with leave events")
    func killedNodeLeavesNoGhosts() async throws {
        try await withLocalCluster { cluster in
            let watcher = try await cluster.nodes[0].subscribe(["room"], session: "w", presence: true)
            let survivor = try await cluster.nodes[1].subscribe(["room"], session: "s", token: try await clusterToken("S"))
            let doomed = [
                try await cluster.nodes[2].subscribe(["room"], session: "d1", token: try await clusterToken("D")),
                try await cluster.nodes[2].subscribe(["room"], session: "d2"),
            ]
            #expect(await eventually { (try? await Self.presence("room", on: cluster.nodes[0]).entries.count) == 4 })
            _ = await watcher.waitFor(count: 3)

            await cluster.nodes[2].kill9()
            // The bound: the liveness TTL (10 s) for listings, plus one refresh interval (2 s) for
            // the leave events; 15 s leaves room for a loaded machine. Polled gently: a busy loop of
            // HTTP requests for 10 s would starve the tests running beside this one.
            let gone = await eventually(timeout: .seconds(15), poll: .milliseconds(500)) {
                (try? await Self.presence("room", on: cluster.nodes[0]).entries) == ["- w node1", "S s node2"]
            }
            #expect(gone, "node3's connections are no longer listed")
            let leaves = await eventually(timeout: .seconds(15), poll: .milliseconds(200)) { watcher.events(ofType: "leave").count >= 2 }
            #expect(leaves)
            #expect(Set(watcher.events(ofType: "leave").map { $0.data.contains("node3") }) == [true])
            #expect(try await Self.presence("room", on: cluster.nodes[1]).entries == ["- w node1", "S s node2"])
            doomed.forEach { $0.close() }
            [watcher, survivor].forEach { $0.close() }
        }
    }
}
