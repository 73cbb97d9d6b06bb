import ChorusCore
import Synchronization
import Testing

/// The in-memory bus's idempotency keys: remembered for the window by its own clock, and bounded.
@Suite("In-memory idempotency keys")
struct IdempotencyMemoryTests {
    final class Clock: Sendable {
        let now = Mutex<UInt64>(1_000)
        func advance(_ ms: UInt64) { now.withLock { $0 += ms } }
        var read: @Sendable () -> UInt64 { { [self] in now.withLock { $0 } } }
    }

    @Test("a key is remembered until the window has passed, by the bus's clock")
    func window() async throws {
        let clock = Clock()
        let bus = InMemoryBus(idempotencyWindow: .seconds(10), now: clock.read)
        let event = [Envelope(scope: "s", data: "x")]
        let first = try await bus.publish(event, idempotencyKey: "k")
        clock.advance(9_999)
        #expect(try await bus.publish(event, idempotencyKey: "k") == first)
        clock.advance(1)
        let second = try await bus.publish(event, idempotencyKey: "k")
        #expect(second != first)
    }

    @Test("past its capacity the bus forgets the oldest keys first")
    func capacity() async throws {
        let bus = InMemoryBus(idempotencyCapacity: 2, now: { 1_000 })
        let a = try await bus.publish([Envelope(scope: "s", data: "a")], idempotencyKey: "a")
        let b = try await bus.publish([Envelope(scope: "s", data: "b")], idempotencyKey: "b")
        _ = try await bus.publish([Envelope(scope: "s", data: "c")], idempotencyKey: "c")
        #expect(try await bus.publish([Envelope(scope: "s", data: "b")], idempotencyKey: "b") == b, "the newer keys stay")
        #expect(try await bus.publish([Envelope(scope: "s", data: "a")], idempotencyKey: "a") != a, "the oldest was forgotten")
    }

    @Test("an empty publish remembers nothing")
    func empty() async throws {
        let bus = InMemoryBus()
        #expect(try await bus.publish([], idempotencyKey: "k") == [])
        #expect(try await bus.publish([Envelope(scope: "s", data: "x")], idempotencyKey: "k").count == 1)
    }
}
