import ChorusAuth
import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("Subscriber identity over real HTTP")
struct IdentityTests {
    @Test("a token in the query, a cookie or a bearer header identifies the user: audience events reach them")
    func tokenCarriers() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let token = try await AuthFixtures.token("alice")
            let byQuery = try await node.subscribe(["doc"], token: token)
            let byCookie = EventCollector(try await node.client.subscribe(scopes: ["doc"], headers: [("Cookie", "theme=dark; chorus_token=\(token)")]))
            let byHeader = EventCollector(try await node.client(key: token).subscribe(scopes: ["doc"]))
            let anonymous = try await node.subscribe(["doc"])
            try await node.publish("doc", "for alice", audience: ["alice"], key: AuthFixtures.publisherKey)
            try await node.publish("doc", "for all", key: AuthFixtures.publisherKey)
            for stream in [byQuery, byCookie, byHeader] {
                #expect(await stream.waitFor(count: 2)?.map(\.data) == ["for alice", "for all"])
            }
            #expect(await anonymous.waitFor(count: 1)?.map(\.data) == ["for all"])
            #expect(Set(node.hub.connections(in: "doc").compactMap(\.userID)) == ["alice"])
            [byQuery, byCookie, byHeader, anonymous].forEach { $0.close() }
        }
    }

    static func refusals() async throws -> [(token: String, code: String, mentions: String)] {
        [
            (try await AuthFixtures.token("alice", secret: "another-secret-that-is-of-enough-length"), "invalid-token", "signature does not verify"),
            (try await AuthFixtures.token("alice", seconds: -10), "invalid-token", "token expired at"),
            ("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.", "invalid-token", "alg none is not accepted"),
            ("garbage", "invalid-token", "malformed token"),
        ]
    }

    @Test("forged, expired, alg-none and malformed tokens get 401 with a JSON reason, and no stream")
    func badTokens() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            for (token, code, mentions) in try await Self.refusals() {
                let result = try await node.client.send(.GET, "/events?scope=doc&token=\(token)")
                #expect(result.status == 401)
                #expect(result.headers["Content-Type"].first == "application/json")
                #expect(result.text.contains(#""code":"\#(code)""#), "\(result.text)")
                #expect(result.text.contains(mentions), "\(result.text)")
            }
            #expect(node.hub.connectionCount == 0)
        }
    }

    @Test("a scope the token does not allow gets 403 scope-forbidden; an allowed one streams")
    func scopeForbidden() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let token = try await AuthFixtures.token("alice", scopes: ["doc:*"])
            let forbidden = try await node.client.send(.GET, "/events?scope=doc:1&scope=admin&token=\(token)")
            #expect(forbidden.status == 403)
            #expect(forbidden.text.contains("scope-forbidden"))
            #expect(forbidden.text.contains("'admin'"))
            let allowed = try await node.subscribe(["doc:1", "doc:2"], token: token)
            #expect(allowed.stream.status == 200)
            allowed.close()
        }
    }

    @Test("a node without a token secret refuses tokens with a reason")
    func noSecret() async throws {
        try await TestNode.withNode { node in
            let result = try await node.client.send(.GET, "/events?scope=doc&token=\(try await AuthFixtures.token("alice"))")
            #expect(result.status == 401)
            #expect(result.text.contains("no token secret"))
        }
    }

    @Test("anonymous subscribers can be forbidden, or limited to scope patterns")
    func anonymousPolicy() async throws {
        try await TestNode.withNode({
            AuthFixtures.configure(&$0)
            $0.auth.anonymous = .deny
        }) { denying in
            let refused = try await denying.client.send(.GET, "/events?scope=doc")
            #expect(refused.status == 401)
            #expect(refused.text.contains("missing-token"))

            try await TestNode.withNode({
                AuthFixtures.configure(&$0)
                $0.auth.anonymousScopes = [try! ScopePattern("public:*")]
            }) { limited in
                let outside = try await limited.client.send(.GET, "/events?scope=private")
                #expect(outside.status == 403)
                #expect(outside.text.contains("scope-forbidden"))
                let inside = try await limited.subscribe(["public:lobby"])
                #expect(inside.stream.status == 200)
                let withToken = try await limited.subscribe(["private"], token: try await AuthFixtures.token("alice"))
                #expect(withToken.stream.status == 200)
                inside.close()
                withToken.close()
            }
        }
    }

    @Test("a stream ends when its token expires, with a close event asking for a fresh token")
    func expiryClosesStream() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let shortLived = try await node.subscribe(["doc"], token: try await AuthFixtures.token("alice", seconds: 2))
            let longLived = try await node.subscribe(["doc"], token: try await AuthFixtures.token("bob"))
            let events = try #require(await shortLived.waitFor(count: 1, timeout: .seconds(15)))
            #expect(events[0].type == ControlFrames.closeEventName)
            #expect(events[0].data == #"{"reason":"token-expired","reconnect":true}"#)
            #expect(await shortLived.waitForEnd())
            try await node.publish("doc", "still here", key: AuthFixtures.publisherKey)
            #expect(await longLived.waitFor(count: 1)?.map(\.data) == ["still here"])
            longLived.close()
        }
    }
}
