import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("POST /publish over real HTTP")
struct PublishTests {
    @Test("an array publishes several events and answers 202 with their ids in order")
    func arrayPublish() async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["s"])
            let result = try await node.postPublish(#"[{"scope":"s","data":"a"},{"scope":"s","event":"e","data":{"k":[1,2]}}]"#)
            #expect(result.status == 202)
            let events = try #require(await subscriber.waitFor(count: 2))
            #expect(events.map(\.data) == ["a", #"{"k":[1,2]}"#])
            #expect(events[1].type == "e")
            #expect(result.text == #"{"ids":["\#(events[0].lastEventID)","\#(events[1].lastEventID)"]}"#)
            subscriber.close()
        }
    }

    static let badBodies: [(body: String, status: Int, mentions: String)] = [
        ("{not json", 400, "not valid JSON"),
        (#"{"data":"no scope"}"#, 400, "scope: required"),
        (#"{"scope":""}"#, 400, "scope: must not be empty"),
        (#"{"scope":"s","audiance":["1"]}"#, 400, "audiance: unknown field"),
        (#"{"scope":"s","event":"two\nlines"}"#, 400, "line break"),
        (#"[{"scope":"s","data":"fine"},{"scope":"s","event":7}]"#, 400, "[1].event"),
        (#"[]"#, 400, "empty"),
        (#""just a string""#, 400, "must be an event object"),
        (#"{"scope":"s","audience":[]}"#, 400, "audience: must not be empty"),
    ]

    @Test("bad bodies get 400 with a JSON reason, and nothing is delivered", arguments: badBodies)
    func refusesBadBody(body: String, status: Int, mentions: String) async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["s"])
            let result = try await node.postPublish(body)
            #expect(result.status == status)
            #expect(result.headers["Content-Type"].first == "application/json")
            #expect(result.text.contains(mentions), "\(result.text)")
            try await node.publish("s", "marker")
            _ = await subscriber.waitFor(count: 1)
            #expect(subscriber.data == ["marker"])
            subscriber.close()
        }
    }

    @Test("a body over the size limit gets 413 and nothing is delivered")
    func tooLarge() async throws {
        try await TestNode.withNode({ $0.maximumPublishBytes = 1024 }) { node in
            let subscriber = try await node.subscribe(["s"])
            let big = #"{"scope":"s","data":""# + String(repeating: "x", count: 2000) + #""}"#
            let result = try await node.postPublish(big)
            #expect(result.status == 413)
            #expect(result.text.contains("payload-too-large"))
            try await node.publish("s", "marker")
            _ = await subscriber.waitFor(count: 1)
            #expect(subscriber.data == ["marker"])
            subscriber.close()
        }
    }
}
