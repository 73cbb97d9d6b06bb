import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

@Suite("POST /publish with an Idempotency-Key")
struct IdempotentPublishTests {
    func post(_ node: TestNode, _ body: String, key: String...) async throws -> HTTPResult {
        try await node.client.send(.POST, "/publish", headers: [("Content-Type", "application/json")] + key.map { ("Idempotency-Key", $0) }, body: Array(body.utf8))
    }

    @Test("a retry with the same key answers 202 with the original ids and delivers nothing new")
    func retryReturnsTheOriginalIDs() async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["s"])
            let body = #"[{"scope":"s","data":"a"},{"scope":"s","data":"b"}]"#
            let first = try await post(node, body, key: "order-42")
            let retry = try await post(node, body, key: "order-42")
            #expect(first.status == 202)
            #expect(retry.status == 202)
            #expect(retry.text == first.text, "the same ids")
            let reused = try await post(node, #"{"scope":"s","data":"c"}"#, key: "order-42")
            #expect(reused.status == 422)
            #expect(reused.text.contains("idempotency-key-reused"))
            try await node.publish("s", "marker")
            _ = await subscriber.waitFor(count: 3)
            #expect(subscriber.data == ["a", "b", "marker"])
            subscriber.close()
        }
    }

    static let badKeys: [String] = ["", String(repeating: "k", count: 256), "has space", "tab\there", "ünï"]

    @Test("an invalid key gets 400 invalid-idempotency-key and publishes nothing", arguments: badKeys)
    func refusesBadKeys(key: String) async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["s"])
            let result = try await post(node, #"{"scope":"s","data":"refused"}"#, key: key)
            #expect(result.status == 400)
            #expect(result.text.contains("invalid-idempotency-key"), "\(result.text)")
            try await node.publish("s", "marker")
            _ = await subscriber.waitFor(count: 1)
            #expect(subscriber.data == ["marker"])
            subscriber.close()
        }
    }

    @Test("two Idempotency-Key headers get 400; a 255-byte key is fine")
    func keyLimits() async throws {
        try await TestNode.withNode { node in
            let twice = try await post(node, #"{"scope":"s","data":"x"}"#, key: "one", "two")
            #expect(twice.status == 400)
            #expect(twice.text.contains("invalid-idempotency-key"))
            let longest = String(repeating: "~", count: 255)
            #expect(try await post(node, #"{"scope":"s","data":"x"}"#, key: longest).status == 202)
        }
    }

    @Test("the Swift client sends the key: its retry returns the original ids")
    func clientSendsTheKey() async throws {
        try await TestNode.withNode { node in
            let envelope = Envelope(scope: "s", data: "once")
            let first = try await node.client.publish([envelope], idempotencyKey: "client-key")
            let second = try await node.client.publish([envelope], idempotencyKey: "client-key")
            #expect(first == second)
            let third = try await node.client.publish([envelope], idempotencyKey: "client-key-2")
            #expect(third != first)
        }
    }
}
