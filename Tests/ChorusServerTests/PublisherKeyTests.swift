import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("Publisher keys and control endpoints over real HTTP")
struct PublisherKeyTests {
    @Test("publishing needs one of the configured keys; a missing key, a wrong key or a subscriber token get 401 and nothing is delivered")
    func keysRequired() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let subscriber = try await node.subscribe(["s"])
            let token = try await AuthFixtures.token("alice")
            let refusals: [(key: String?, code: String, mentions: String)] = [
                (nil, "missing-publisher-key", "Authorization: Bearer"),
                ("not-a-key-of-this-node", "invalid-publisher-key", "not one of this node's keys"),
                (token, "invalid-publisher-key", "a subscriber token is not a publisher key"),
            ]
            for (key, code, mentions) in refusals {
                let result = try await node.client(key: key).send(.POST, "/publish", headers: [("Content-Type", "application/json")], body: Array(#"{"scope":"s","data":"sneaky"}"#.utf8))
                #expect(result.status == 401)
                #expect(result.text.contains(code), "\(result.text)")
                #expect(result.text.contains(mentions), "\(result.text)")
            }
            // Both keys work (rotation).
            try await node.publish("s", "one", key: AuthFixtures.publisherKey)
            try await node.publish("s", "two", key: AuthFixtures.rotatedKey)
            _ = await subscriber.waitFor(count: 2)
            #expect(subscriber.data == ["one", "two"])
            subscriber.close()
        }
    }

    @Test("close-user ends that user's streams with a close event saying not to reconnect, and nobody else's")
    func closeUser() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let aliceDoc = try await node.subscribe(["doc"], token: try await AuthFixtures.token("alice"))
            let aliceChat = try await node.subscribe(["chat"], token: try await AuthFixtures.token("alice"))
            let bob = try await node.subscribe(["doc"], token: try await AuthFixtures.token("bob"))
            let noKey = try await node.client.send(.POST, "/users/alice/close")
            #expect(noKey.status == 401)

            let scoped = try await node.client(key: AuthFixtures.publisherKey).send(.POST, "/users/alice/close?scope=chat")
            #expect(scoped.status == 202)
            let chatEvents = try #require(await aliceChat.waitFor(count: 1))
            #expect(chatEvents[0].type == ControlFrames.closeEventName)
            #expect(chatEvents[0].data == #"{"reason":"user-closed","reconnect":false}"#)
            #expect(await aliceChat.waitForEnd())

            let everywhere = try await node.client(key: AuthFixtures.publisherKey).send(.POST, "/users/alice/close")
            #expect(everywhere.status == 202)
            #expect(await aliceDoc.waitFor(count: 1)?.first?.data == #"{"reason":"user-closed","reconnect":false}"#)
            #expect(await aliceDoc.waitForEnd())
            try await node.publish("doc", "bob still here", key: AuthFixtures.publisherKey)
            #expect(await bob.waitFor(count: 1)?.map(\.data) == ["bob still here"])
            bob.close()
        }
    }

    @Test("presence lists a scope's connections with users and sessions; join and leave events reach those who asked")
    func presence() async throws {
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let watcher = try await node.subscribe(["room"], session: "w", token: try await AuthFixtures.token("walter"), presence: true)
            let quiet = try await node.subscribe(["room"], session: "q")
            let alice = try await node.subscribe(["room", "other"], session: "a1", token: try await AuthFixtures.token("alice"))
            let join = try #require(await watcher.waitFor(count: 2)).last
            #expect(join?.type == ControlFrames.joinEventName)
            #expect(join?.data.contains(#""user":"alice","session":"a1","node":"test""#) == true, "\(join?.data ?? "")")

            let listing = try await node.client(key: AuthFixtures.publisherKey).send(.GET, "/presence/room")
            #expect(listing.status == 200)
            let json = try JSONParser.parse(listing.body)
            #expect(json["count"] == .number("3"))
            #expect(json["users"] == .number("2"))
            guard case .array(let connections)? = json["connections"] else { throw ChorusClientError("no connections in \(listing.text)") }
            #expect(Set(connections.compactMap { if case .string(let s)? = $0["session"] { s } else { nil } }) == ["w", "q", "a1"])
            #expect(try await node.client.send(.GET, "/presence/room").status == 401)

            alice.close()
            let leave = try #require(await watcher.waitFor(count: 3)).last
            #expect(leave?.type == ControlFrames.leaveEventName)
            #expect(leave?.data.contains(#""session":"a1""#) == true)
            #expect(await eventually { (try? await node.node.bus.presence(in: "room").count) == 2 })
            #expect(quiet.events.isEmpty, "streams that did not ask get no presence events")
            watcher.close()
            quiet.close()
        }
    }

    @Test("development mode: with no key configured, loopback clients publish without one")
    func developmentMode() async throws {
        try await TestNode.withNode { node in
            #expect(node.node.configuration.auth.isDevelopmentMode)
            let subscriber = try await node.subscribe(["s"])
            try await node.publish("s", "local")
            #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["local"])
            subscriber.close()
        }
    }
}
