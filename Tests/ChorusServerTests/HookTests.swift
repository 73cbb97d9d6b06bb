import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Synchronization
import Testing

@Suite("Hooks for embedding apps")
struct HookTests {
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    @Test("connect and disconnect hooks see each stream's identity and scopes")
    func connectAndDisconnect() async throws {
        let log = Log()
        let hooks = ChorusHooks(
            onConnect: { log.add("connect \($0.info.userID ?? "-") \($0.info.sessionID ?? "-") \($0.scopes.sorted())") },
            onDisconnect: { log.add("disconnect \($0.info.userID ?? "-") \($0.info.sessionID ?? "-") \($0.scopes.sorted())") }
        )
        try await TestNode.withNode(hooks: hooks, AuthFixtures.configure) { node in
            let stream = try await node.subscribe(["a", "b"], session: "tab-1", token: try await AuthFixtures.token("alice"))
            #expect(await eventually { log.all == [#"connect alice tab-1 ["a", "b"]"#] })
            stream.close()
            #expect(await eventually { log.all.count == 2 })
            #expect(log.all.last == #"disconnect alice tab-1 ["a", "b"]"#)
        }
    }

    @Test("the publish hook can change an event, or veto the whole request so nothing is published")
    func publishHook() async throws {
        let hooks = ChorusHooks(onPublish: { envelope in
            if envelope.scope == "forbidden" { return .veto("scope 'forbidden' is read-only") }
            var changed = envelope
            changed.data = envelope.data.uppercased()
            return .publish(changed)
        })
        try await TestNode.withNode(hooks: hooks) { node in
            let subscriber = try await node.subscribe(["s", "forbidden"])
            let vetoed = try await node.postPublish(#"[{"scope":"s","data":"first"},{"scope":"forbidden","data":"x"}]"#)
            #expect(vetoed.status == 403)
            #expect(vetoed.text.contains("publish-vetoed"))
            #expect(vetoed.text.contains("event [1]: scope 'forbidden' is read-only"))
            try await node.publish("s", "hello")
            // Had any of the vetoed request been published, it would have arrived first.
            #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["HELLO"], "nothing of the vetoed request was published")
            subscriber.close()
        }
    }
}
