import ChorusAuth
import ChorusClient
import ChorusCore
import ChorusTesting
import Testing

/// Tokens minted with the cluster's secret.
func clusterToken(_ user: String, scopes: [String]? = nil) async throws -> String {
    try await TokenIssuer(secret: LocalCluster.tokenSecret).token(
        userID: user, scopes: scopes.map { try ScopePattern.parseAll($0) }, expiresAt: wallClockMilliseconds() + 3_600_000
    )
}

// Serialized: each test runs Redis and three node processes, and 2 cores shared with the other
// test targets starve if they all run at once.
@Suite("Identity, audience and origin across a Redis cluster of three node processes", .serialized)
struct IdentityAcrossNodesTests {
    /// The README's filtering table: A has two tabs on two nodes, B is on a third, and an anonymous
    /// subscriber is on the first. Each row is one event; the columns say who gets it.
    static let table: [(event: String, origin: String?, audience: Set<String>?, aTab1: Bool, aTab2: Bool, b: Bool, anonymous: Bool)] = [
        ("plain", nil, nil, true, true, true, true),
        ("origin A-tab1", "a-tab-1", nil, false, true, true, true),
        ("audience A", nil, ["A"], true, true, false, false),
        ("origin A-tab1, audience A", "a-tab-1", ["A"], false, true, false, false),
        ("audience B", nil, ["B"], false, false, true, false),
        ("audience A and B", nil, ["A", "B"], true, true, true, false),
    ]

    @Test("audience and origin filter exactly as the README's table says, across nodes")
    func filteringTable() async throws {
        try await withLocalCluster { cluster in
            let aTab1 = try await cluster.nodes[0].subscribe(["doc"], session: "a-tab-1", token: try await clusterToken("A"))
            let aTab2 = try await cluster.nodes[1].subscribe(["doc"], session: "a-tab-2", token: try await clusterToken("A"))
            let b = try await cluster.nodes[2].subscribe(["doc"], session: "b-tab", token: try await clusterToken("B"))
            let anonymous = try await cluster.nodes[0].subscribe(["doc"], session: "anon-tab")
            for (index, row) in Self.table.enumerated() {
                _ = try await cluster.nodes[index % 3].client.publish([Envelope(scope: "doc", data: row.event, origin: row.origin, audience: row.audience)])
            }
            _ = try await cluster.nodes[2].client.publish([Envelope(scope: "doc", data: "marker")])
            let columns: [(EventCollector, KeyPath<(event: String, origin: String?, audience: Set<String>?, aTab1: Bool, aTab2: Bool, b: Bool, anonymous: Bool), Bool>)] = [
                (aTab1, \.aTab1), (aTab2, \.aTab2), (b, \.b), (anonymous, \.anonymous),
            ]
            for (subscriber, column) in columns {
                let expected = Self.table.filter { $0[keyPath: column] }.map(\.event) + ["marker"]
                let events = await subscriber.waitFor(count: expected.count)
                #expect(events?.map(\.data) == expected)
                #expect(subscriber.data == expected)
            }
            [aTab1, aTab2, b, anonymous].forEach { $0.close() }
        }
    }

    @Test("closing a user ends their streams on every node with a no-reconnect close event, and nobody else's")
    func closeUserEverywhere() async throws {
        try await withLocalCluster { cluster in
            let aTab1 = try await cluster.nodes[0].subscribe(["doc"], session: "a-tab-1", token: try await clusterToken("A"))
            let aTab2 = try await cluster.nodes[1].subscribe(["chat"], session: "a-tab-2", token: try await clusterToken("A"))
            let b = try await cluster.nodes[2].subscribe(["doc"], token: try await clusterToken("B"))
            let anonymous = try await cluster.nodes[1].subscribe(["doc"])
            let refused = try await cluster.nodes[2].anonymousClient.send(.POST, "/users/A/close")
            #expect(refused.status == 401)
            let result = try await cluster.nodes[2].client.send(.POST, "/users/A/close")
            #expect(result.status == 202)
            for stream in [aTab1, aTab2] {
                let events = try #require(await stream.waitFor(count: 1))
                #expect(events[0].type == "close")
                #expect(events[0].data == #"{"reason":"user-closed","reconnect":false}"#)
                #expect(await stream.waitForEnd())
            }
            _ = try await cluster.nodes[0].client.publish([Envelope(scope: "doc", data: "after")])
            #expect(await b.waitFor(count: 1)?.map(\.data) == ["after"])
            #expect(await anonymous.waitFor(count: 1)?.map(\.data) == ["after"])
            #expect(!b.isFinished && !anonymous.isFinished)
            [b, anonymous].forEach { $0.close() }
        }
    }

    @Test("publishing without a key, with a wrong key or with a subscriber token is refused on every node, and nothing is delivered")
    func publishNeedsKey() async throws {
        try await withLocalCluster { cluster in
            let subscribers = try await cluster.nodes.asyncMap { try await $0.subscribe(["doc"]) }
            let token = try await clusterToken("A")
            let body = ChorusHTTPClient.publishBody([Envelope(scope: "doc", data: "must not arrive")])
            for (index, key) in [nil, "wrong-key-of-enough-length", token].enumerated() {
                let client = ChorusHTTPClient(endpoint: cluster.nodes[index].endpoint, bearerToken: key)
                let result = try await client.send(.POST, "/publish", headers: [("Content-Type", "application/json")], body: body)
                #expect(result.status == 401, "\(result.text)")
                #expect(result.text.contains(key == nil ? "missing-publisher-key" : "invalid-publisher-key"))
            }
            _ = try await cluster.nodes[0].client.publish([Envelope(scope: "doc", data: "marker")])
            for subscriber in subscribers {
                _ = await subscriber.waitFor(count: 1)
                #expect(subscriber.data == ["marker"])
            }
            subscribers.forEach { $0.close() }
        }
    }
}
