import ChorusCore
import Testing

extension BusContract {
    /// A way to make a bus's backend fail and then work again, for the outcome checks: a bus
    /// without a backend that can fail (`InMemoryBus`) has none.
    public struct Fault: Sendable {
        /// Runs before the publish under test starts (for ``outcomeUnknownMeansAtMostOnce(_:during:)``).
        public var prepare: @Sendable () async throws -> Void
        /// Makes the backend fail (returns once the bus is in the state the check needs); for
        /// ``outcomeUnknownMeansAtMostOnce(_:during:)``, while the publish is under way.
        public var inject: @Sendable () async throws -> Void
        /// Makes it work again.
        public var repair: @Sendable () async throws -> Void

        /// Creates a fault.
        public init(
            prepare: @escaping @Sendable () async throws -> Void = {},
            inject: @escaping @Sendable () async throws -> Void,
            repair: @escaping @Sendable () async throws -> Void
        ) {
            self.prepare = prepare
            self.inject = inject
            self.repair = repair
        }
    }

    /// A publish refused with ``BusError/Code/unavailable`` published nothing: once the backend is
    /// back, the receiver gets the events published after it but never the refused one, and the
    /// history does not hold it.
    public static func unavailableMeansNothingWasPublished(_ bus: any Bus, during fault: Fault) async throws {
        try await withSubscription(bus) { subscription in
            let before = try await bus.publish([sample(1, tag: "before-fault")])
            #expect(await eventually(timeout: .seconds(20)) { subscription.receiver.eventIDs == before })

            try await fault.prepare()
            try await fault.inject()
            let refused = sample(2, tag: "refused")
            var code: BusError.Code?
            do throws(BusError) {
                _ = try await bus.publish([refused])
            } catch {
                code = error.code
            }
            #expect(code == .unavailable, "a publish refused before sending says unavailable, got \(code.map(String.init(describing:)) ?? "success")")
            try await fault.repair()

            let after = try await publishUntilAccepted(bus, sample(3, tag: "after-fault"))
            #expect(await eventually(timeout: .seconds(20)) { subscription.receiver.eventIDs.contains(after) })
            #expect(!subscription.receiver.events.contains { $0.data == refused.data }, "the refused event was delivered")
            let replay = try await bus.replay(after: before[0])
            #expect(!replay.events.contains { $0.data == refused.data }, "the refused event is in the history")
            #expect(replay.events.compactMap(\.id).contains(after))
        }
    }

    /// A publish whose link broke after sending fails with ``BusError/Code/outcomeUnknown``; once
    /// the backend is back, its event is in the history and at the receiver at most once, and if
    /// it is in one it is in both. Returns whether it was published, so a test can assert which
    /// way its fault went.
    @discardableResult
    public static func outcomeUnknownMeansAtMostOnce(_ bus: any Bus, during fault: Fault) async throws -> Bool {
        try await withSubscription(bus) { subscription in
            let before = try await bus.publish([sample(1, tag: "before-fault")])
            #expect(await eventually(timeout: .seconds(20)) { subscription.receiver.eventIDs == before })

            try await fault.prepare()
            let unknown = sample(2, tag: "unknown-\(UInt32.random(in: 0 ... .max))")
            let attempt = Task { () -> BusError.Code? in
                do throws(BusError) {
                    _ = try await bus.publish([unknown])
                    return nil
                } catch {
                    return error.code
                }
            }
            try await fault.inject()
            let code = await attempt.value
            #expect(code == .outcomeUnknown, "a publish whose link broke after sending says outcome unknown, got \(code.map(String.init(describing:)) ?? "success")")
            try await fault.repair()

            let after = try await publishUntilAccepted(bus, sample(3, tag: "after-fault"))
            #expect(await eventually(timeout: .seconds(20)) { subscription.receiver.eventIDs.contains(after) })
            let delivered = subscription.receiver.events.filter { $0.data == unknown.data }.count
            let replay = try await bus.replay(after: before[0])
            let kept = replay.events.filter { $0.data == unknown.data }.count
            #expect(delivered <= 1 && kept <= 1, "delivered \(delivered) times, kept \(kept) times")
            #expect(delivered == kept, "delivered \(delivered) times but kept \(kept) times")
            return kept == 1
        }
    }

    /// Publishes `envelope` until the bus accepts it (the backend may take a moment to come back).
    static func publishUntilAccepted(_ bus: any Bus, _ envelope: Envelope, timeout: Duration = .seconds(20)) async throws -> EventID {
        let deadline = ContinuousClock.now + timeout
        while true {
            let ids: [EventID]
            do throws(BusError) {
                ids = try await bus.publish([envelope])
            } catch {
                // Only a refusal is safe to retry without a key: an unknown outcome may have published it.
                guard error.code == .unavailable, ContinuousClock.now < deadline else {
                    throw ContractError("the bus did not accept a publish after the fault was repaired: \(error)")
                }
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            guard let id = ids.first else { throw ContractError("publish returned no id") }
            return id
        }
    }
}
