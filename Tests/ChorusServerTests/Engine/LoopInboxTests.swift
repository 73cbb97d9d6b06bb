import ChorusCore
import NIOCore
import NIOEmbedded
import Testing

@testable import ChorusServer

/// Publishes through the Hub, once, when it sees the first write go by: the event reaches the
/// loop's inbox while a drain is writing, as events do on a loaded node.
private final class PublishOnFirstWrite: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private var publish: (() -> Void)?

    init(_ publish: @escaping () -> Void) {
        self.publish = publish
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        let publish = self.publish
        self.publish = nil
        publish?()
    }
}

extension StreamUnderTest {
    /// A live stream whose Hub pauses `pause` after a drain during which more events arrived
    /// (virtual time: the pause passes when the test advances the loop's clock).
    static func paced(pause: TimeAmount) async throws -> StreamUnderTest {
        try await live(pacing: LoopInbox.Pacing(factor: 0, minimum: pause, maximum: pause))
    }

    /// Makes event `next` arrive while the first frame written after this call is being written.
    func publishDuringTheNextWrite(_ next: Int) async throws {
        let hub = self.hub
        let channel = self.channel
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(PublishOnFirstWrite { hub.receive([.event(Self.envelope(next))]) }, position: .first)
        }
    }
}

/// A loop's inbox under load: events that arrive while it writes wait for a pause, then go out
/// together; a close never overtakes them.
@Suite("Loop inbox", .timeLimit(.minutes(1)))
struct LoopInboxTests {
    @Test("events that arrive while a drain writes go out after the pause, in order, and nothing is lost")
    func pileUpWaitsForThePause() async throws {
        var stream = try await StreamUnderTest.paced(pause: .milliseconds(10))
        try await stream.publishDuringTheNextWrite(2)
        try await stream.publish(1)
        #expect(try await stream.received() == ["e1"])

        try await stream.publish(3)
        #expect(try await stream.received() == [], "the drain after a pile-up waits for its pause")
        await stream.channel.testingEventLoop.advanceTime(by: .milliseconds(10))
        #expect(try await stream.received() == ["e2", "e3"])

        // Nothing piled up during that drain: the next event goes out at once.
        try await stream.publish(4)
        #expect(try await stream.received() == ["e4"])
    }

    @Test("a node's pause: from the second pile-up in a row, four times the drain (at most 20 ms); at once after runs of four or more events, sixteen times (at most 40 ms)")
    func standardPause() {
        let pacing = LoopInbox.Pacing.standard
        #expect(pacing.pause(after: .milliseconds(1), longestRun: 1, streak: 1) == .zero)
        #expect(pacing.pause(after: .milliseconds(1), longestRun: 1, streak: 2) == .milliseconds(4))
        #expect(pacing.pause(after: .milliseconds(1), longestRun: 3, streak: 5) == .milliseconds(4))
        #expect(pacing.pause(after: .milliseconds(1), longestRun: 4, streak: 1) == .milliseconds(16))
        #expect(pacing.pause(after: .milliseconds(10), longestRun: 1, streak: 2) == .milliseconds(20))
        #expect(pacing.pause(after: .milliseconds(10), longestRun: 40, streak: 1) == .milliseconds(40))
    }

    @Test("a close during a pause follows the events queued before it, without waiting for the pause", arguments: [false, true])
    func closeFollowsQueuedEvents(throughTheHub: Bool) async throws {
        var stream = try await StreamUnderTest.paced(pause: .seconds(60))
        try await stream.publishDuringTheNextWrite(2)
        try await stream.publish(1)
        #expect(try await stream.received() == ["e1"])

        if throughTheHub {
            stream.hub.closeAll()
        } else {
            stream.connection.close(.shutdown)
        }
        #expect(try await stream.received() == ["e2", #"close:{"reason":"shutdown","reconnect":true}"#])
    }
}
