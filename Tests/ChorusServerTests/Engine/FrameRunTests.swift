import ChorusCore
import NIOCore
import Testing

@testable import ChorusServer

/// Events that reach a loop together for the same connections go to each of them as one write,
/// and still exactly once each, in order.
@Suite("Frame runs", .timeLimit(.minutes(1)))
struct FrameRunTests {
    @Test("events of one scope that arrive together reach a live stream in one write, in order")
    func runIsOneWrite() async throws {
        var stream = try await StreamUnderTest.live()
        let before = stream.writesRead
        stream.hub.receive((1...5).map { .event(StreamUnderTest.envelope($0)) })
        #expect(try await stream.received() == ["e1", "e2", "e3", "e4", "e5"])
        #expect(stream.writesRead - before == 1, "five events, one write into the channel")
    }

    @Test("a run whose first events the stream already has: only the rest, each once")
    func runAfterWhatWasSent() async throws {
        var stream = try await StreamUnderTest.live()
        try await stream.publish(1)
        try await stream.publish(2)
        #expect(try await stream.received() == ["e1", "e2"])
        // The bus delivers 2 again (after a reconnect, say), then 3 and 4, in one go.
        stream.hub.receive([2, 3, 4].map { .event(StreamUnderTest.envelope($0)) })
        #expect(try await stream.received() == ["e3", "e4"])
    }

    @Test("a run with an event for some recipients only is not joined: each gets what the rule gives it")
    func audienceBreaksTheRun() async throws {
        var stream = try await StreamUnderTest.live()
        var private2 = StreamUnderTest.envelope(2)
        private2.audience = ["someone-else"]
        stream.hub.receive([.event(StreamUnderTest.envelope(1)), .event(private2), .event(StreamUnderTest.envelope(3))])
        #expect(try await stream.received() == ["e1", "e3"])
    }

    @Test("a stream that subscribes between two events that wait together gets the second")
    func subscriptionBetweenEventsOfARun() async throws {
        var first = try await StreamUnderTest.paced(pause: .milliseconds(10))
        try await first.publishDuringTheNextWrite(2)
        try await first.publish(1)
        #expect(try await first.received() == ["e1"])
        // Event 2 waits for the pause; a second stream on the same loop subscribes, then event 3
        // comes: the two wait together but do not go to the same connections.
        var second = try await StreamUnderTest(capacity: 16, hub: first.hub, loop: first.channel.testingEventLoop)
        #expect(await second.writer.begin([StreamUnderTest.retry]))
        #expect(try await second.received() == [])
        let writer = second.writer
        Task { _ = await writer.goLive(after: nil) }
        try await first.publish(3)
        await first.channel.testingEventLoop.advanceTime(by: .milliseconds(10))
        #expect(try await first.received() == ["e2", "e3"])
        // The second stream writes event 3 once it is live, and the task that takes it live may
        // start late on a busy machine: wait for that write rather than assume it happened.
        try await second.waitForWrite()
        #expect(try await second.received() == ["e3"])
    }
}
