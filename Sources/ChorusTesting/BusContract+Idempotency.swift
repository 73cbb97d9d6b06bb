import ChorusCore
import Testing

extension BusContract {
    /// A publish retried with the same idempotency key returns the original ids and publishes
    /// nothing: the receiver gets each event once and the history holds it once. The same key with
    /// other events is refused (``BusError/Code/idempotencyKeyReused``) and publishes nothing;
    /// another key publishes as usual.
    public static func idempotentRetryReturnsTheOriginalIDs(_ bus: any Bus) async throws {
        try await withSubscription(bus) { subscription in
            let tag = String(UInt64.random(in: 0 ... .max), radix: 36)
            let key = "retry-\(tag)"
            let batch = (0..<3).map { sample($0, tag: "idempotent-\(tag)") }
            let ids = try await bus.publish(batch, idempotencyKey: key)
            try #require(ids.count == 3)
            let again = try await bus.publish(batch, idempotencyKey: key)
            #expect(again == ids, "a retry with the same key returns the original ids")
            #expect(try await bus.publish(batch, idempotencyKey: key) == ids)

            var code: BusError.Code?
            do throws(BusError) {
                _ = try await bus.publish([sample(9, tag: "other-\(tag)")], idempotencyKey: key)
            } catch {
                code = error.code
            }
            #expect(code == .idempotencyKeyReused, "the same key with other events is refused")

            let other = try await bus.publish(batch, idempotencyKey: "other-\(tag)")
            #expect(other.count == 3 && Set(other).isDisjoint(with: ids), "another key publishes anew")
            let end = try await bus.publish([sample(10, tag: "end-\(tag)")])
            #expect(await eventually(timeout: .seconds(20)) { subscription.receiver.eventIDs.contains(end[0]) })
            #expect(subscription.receiver.eventIDs == ids + other + end, "each publish delivered once")
            #expect(!subscription.receiver.events.contains { $0.data.hasPrefix("other-\(tag)") }, "the refused publish was delivered")
            let replay = try await bus.replay(after: try #require(ids.first))
            #expect(replay.events.compactMap(\.id) == Array(ids.dropFirst()) + other + end, "each publish kept once")
        }
    }

    /// Once the idempotency window (`window`, the bus's own, short for the test) has passed, the
    /// key is forgotten: the same key publishes again, with new ids.
    public static func idempotencyKeysAreForgottenAfterTheWindow(_ bus: any Bus, window: Duration) async throws {
        let key = "expiring-\(String(UInt64.random(in: 0 ... .max), radix: 36))"
        let envelope = sample(1, tag: key)
        let first = try await bus.publish([envelope], idempotencyKey: key)
        try await Task.sleep(for: window * 2 + .milliseconds(100))
        let second = try await bus.publish([envelope], idempotencyKey: key)
        #expect(second.count == 1 && second != first, "after the window the key publishes anew")
        #expect(try await bus.publish([envelope], idempotencyKey: key) == second, "and is remembered again")
        let replay = try await bus.replay(after: first[0])
        #expect(replay.events.compactMap(\.id) == second)
    }
}
