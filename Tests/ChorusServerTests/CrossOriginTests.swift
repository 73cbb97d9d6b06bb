import ChorusClient
import ChorusCore
@testable import ChorusServer
import ChorusTesting
import Testing

/// CORS (`--cors-origin`): what a browser needs to let a page on another origin use the node.
@Suite("Cross-origin resource sharing")
struct CrossOriginTests {
    static let app = "https://app.example.com"
    static let preflight = [
        ("Origin", app), ("Access-Control-Request-Method", "GET"), ("Access-Control-Request-Headers", "last-event-id"),
    ]

    @Test("without allowed origins nothing changes: no CORS headers, OPTIONS answered as before")
    func nothingWithoutOrigins() async throws {
        try await TestNode.withNode { node in
            let options = try await node.client.send(.OPTIONS, "/events?scope=s", headers: Self.preflight)
            #expect(options.status == 404)
            #expect(options.headers["Access-Control-Allow-Origin"].isEmpty)
            let stream = try await node.client.stream(path: "/events?scope=s", headers: [("Origin", Self.app)])
            #expect(stream.status == 200)
            #expect(stream.headers["Access-Control-Allow-Origin"].isEmpty)
            stream.close()
        }
    }

    @Test("a listed origin's preflight is answered with its origin, credentials, the methods and headers chorus.js and publishers send")
    func preflightForListedOrigin() async throws {
        try await TestNode.withNode({ $0.allowedOrigins = [Self.app] }) { node in
            for path in ["/events?scope=s", "/publish", "/users/42/close", "/presence/s"] {
                let answer = try await node.client.send(.OPTIONS, path, headers: Self.preflight)
                #expect(answer.status == 204, "\(path)")
                #expect(answer.headers["Access-Control-Allow-Origin"] == [Self.app])
                #expect(answer.headers["Access-Control-Allow-Credentials"] == ["true"])
                let methods = answer.headers["Access-Control-Allow-Methods"].joined(separator: ",")
                #expect(methods.contains("GET") && methods.contains("POST"))
                let allowed = Set(answer.headers["Access-Control-Allow-Headers"].joined(separator: ",").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
                #expect(allowed.isSuperset(of: ["last-event-id", "authorization", "content-type", "idempotency-key"]))
                #expect(Int(answer.headers["Access-Control-Max-Age"].first ?? "") ?? 0 > 0)
                #expect(answer.headers["Vary"].joined(separator: ",").contains("Origin"))
            }
            // Another origin, and a route that is not for other origins, get nothing.
            let other = try await node.client.send(.OPTIONS, "/publish", headers: [("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")])
            #expect(other.headers["Access-Control-Allow-Origin"].isEmpty)
            let health = try await node.client.send(.OPTIONS, "/healthz", headers: Self.preflight)
            #expect(health.headers["Access-Control-Allow-Origin"].isEmpty)
        }
    }

    @Test("responses to a listed origin carry its origin and credentials, errors too; other origins get none")
    func responsesForListedOrigin() async throws {
        try await TestNode.withNode({ $0.allowedOrigins = [Self.app + "/"] }) { node in
            let stream = try await node.client.stream(path: "/events?scope=s", headers: [("Origin", Self.app)])
            #expect(stream.status == 200)
            #expect(stream.headers["Access-Control-Allow-Origin"] == [Self.app])
            #expect(stream.headers["Access-Control-Allow-Credentials"] == ["true"])
            #expect(stream.headers["Vary"].joined(separator: ",").contains("Origin"))
            stream.close()

            let json = [("Origin", Self.app), ("Content-Type", "application/json")]
            let published = try await node.client.send(.POST, "/publish", headers: json, body: Array(#"{"scope":"s","data":"x"}"#.utf8))
            #expect(published.status == 202)
            #expect(published.headers["Access-Control-Allow-Origin"] == [Self.app])
            let refused = try await node.client.send(.POST, "/publish", headers: json, body: Array(#"{"scope":"s","dta":"x"}"#.utf8))
            #expect(refused.status == 400)
            #expect(refused.headers["Access-Control-Allow-Origin"] == [Self.app])
            let badStream = try await node.client.send(.GET, "/events", headers: [("Origin", Self.app)])
            #expect(badStream.status == 400)
            #expect(badStream.headers["Access-Control-Allow-Origin"] == [Self.app])

            let other = try await node.client.stream(path: "/events?scope=s", headers: [("Origin", "https://evil.example")])
            #expect(other.headers["Access-Control-Allow-Origin"].isEmpty)
            other.close()
            let health = try await node.client.send(.GET, "/healthz", headers: [("Origin", Self.app)])
            #expect(health.headers["Access-Control-Allow-Origin"].isEmpty)
        }
    }

    @Test("`*` lets any origin read without credentials; listed origins still get theirs echoed with credentials")
    func wildcard() async throws {
        try await TestNode.withNode({ $0.allowedOrigins = ["*", Self.app] }) { node in
            let any = try await node.client.stream(path: "/events?scope=s", headers: [("Origin", "https://other.example")])
            #expect(any.headers["Access-Control-Allow-Origin"] == ["*"])
            #expect(any.headers["Access-Control-Allow-Credentials"].isEmpty)
            any.close()
            let preflight = try await node.client.send(.OPTIONS, "/events?scope=s", headers: [("Origin", "https://other.example"), ("Access-Control-Request-Method", "GET")])
            #expect(preflight.status == 204)
            #expect(preflight.headers["Access-Control-Allow-Origin"] == ["*"])
            #expect(preflight.headers["Access-Control-Allow-Credentials"].isEmpty)
            let listed = try await node.client.send(.OPTIONS, "/events?scope=s", headers: Self.preflight)
            #expect(listed.headers["Access-Control-Allow-Origin"] == [Self.app])
            #expect(listed.headers["Access-Control-Allow-Credentials"] == ["true"])
        }
    }

    @Test("the covered routes: the node's cross-origin API, nothing else")
    func coveredRoutes() {
        typealias CORS = CrossOriginResourceSharing<ChorusRequestContext>
        #expect(["/events", "/publish", "/users/42/close", "/presence/doc:1"].allSatisfy(CORS.isCovered))
        #expect(!["/", "/healthz", "/readyz", "/chorus.js", "/console", "/users/42", "/users/42/close/x", "/presence"].contains(where: CORS.isCovered))
    }
}
