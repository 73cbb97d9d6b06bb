import ChorusClient
import ChorusCore
@testable import ChorusServer
import ChorusTesting
import Testing

@Suite("Drain and stream age")
struct DrainTests {
    @Test("a draining node says not ready and refuses new streams with 503, Retry-After and a JSON error; open streams go on")
    func drainingRefusesNewStreams() async throws {
        try await TestNode.withNode { node in
            let open = try await node.subscribe(["s"])
            #expect(try await node.client.send(.GET, "/readyz").status == 200)
            node.node.drain.begin()

            let ready = try await node.client.send(.GET, "/readyz")
            #expect(ready.status == 503)
            #expect(try JSONParser.parse(ready.body)["draining"] == .bool(true))

            let refused = try await node.client.send(.GET, "/events?scope=s")
            #expect(refused.status == 503)
            #expect(refused.headers["Retry-After"].first.flatMap { Int($0) } ?? 0 >= 1)
            #expect(try JSONParser.parse(refused.body)["error"]?["code"] == .string("unavailable"))

            try await node.publish("s", "still delivered")
            #expect(await open.waitFor(count: 1)?.first?.data == "still delivered")
            #expect(try await node.client.send(.GET, "/healthz").status == 200)
            open.close()
        }
    }

    @Test("streams reach their age limit no earlier than the maximum age and spread over a tenth of it")
    func ageLimitJitter() throws {
        let hour: UInt64 = 3_600_000
        let limit = try #require(StreamAgeLimit(.seconds(3600), seed: 42))
        // A thousand streams opened in the same millisecond (every client just after a deploy).
        let deadlines = (1...1000).map { id in
            (hour...(hour + hour / 10 + 1)).partitionPoint { limit.isPast(connectedAt: 0, connectionID: id, now: $0) }
        }
        #expect(deadlines.allSatisfy { $0 >= hour && $0 <= hour + hour / 10 })
        #expect(Set(deadlines.map { $0 / 1000 }).count > 300)
        #expect(StreamAgeLimit(nil) == nil)
        #expect(StreamAgeLimit(.zero) == nil)
    }

    @Test("a stream past the maximum stream age gets a close event asking it to reconnect, and resumes after its last event")
    func maximumStreamAge() async throws {
        try await TestNode.withNode({ $0.maximumStreamAge = .seconds(1) }) { node in
            let first = try await node.subscribe(["s"])
            let id = try await node.publish("s", "one")
            let events = try #require(await first.waitFor(count: 2, timeout: .seconds(10)))
            #expect(events[1].type == ControlFrames.closeEventName)
            #expect(events[1].data == #"{"reason":"max-age","reconnect":true}"#)
            #expect(await first.waitForEnd())

            try await node.publish("s", "two")
            let resumed = try await node.subscribe(["s"], lastEventID: id.description)
            #expect(await resumed.waitFor(count: 1)?.map(\.data) == ["two"])
            resumed.close()
        }
    }
}

extension ClosedRange<UInt64> {
    /// The first value for which `isPast` holds (it must be monotonic), by bisection.
    fileprivate func partitionPoint(_ isPast: (UInt64) -> Bool) -> UInt64 {
        var low = lowerBound, high = upperBound
        while low < high {
            let middle = low + (high - low) / 2
            if isPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
