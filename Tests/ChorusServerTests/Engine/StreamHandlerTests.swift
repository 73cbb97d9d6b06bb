import ChorusCore
import ChorusTesting
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import ChorusServer

/// How a client goes away.
enum Departure: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The connection closes.
    case closes
    /// The client shuts its sending side (half-closure); the connection stays up.
    case shutsItsSide

    var testDescription: String { rawValue }

    func happen(to channel: NIOAsyncTestingChannel) async throws {
        switch self {
        case .closes: try await channel.close()
        case .shutsItsSide: channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        try await channel.testingEventLoop.executeInContext {}
    }
}

/// The stream's writer and chunk handler on `NIOAsyncTestingChannel`: exact, and no sockets.
/// (`StreamStartTests`, `SlowClientTests` and `HostileClientTests` cover the same over real ones.)
@Suite("Stream handler", .timeLimit(.minutes(1)))
struct StreamHandlerTests {
    @Test("a client gone before the head: the Hub and presence forget it, nothing is written, the stream ends as client-gone")
    func goneBeforeTheHead() async throws {
        var stream = try await StreamUnderTest()
        let left = AsyncStream<Subscription>.makeStream()
        let lifecycle = ConnectionLifecycle(
            bus: InMemoryBus(), nodeID: "n", hooks: ChorusHooks(onDisconnect: { left.continuation.yield($0) }),
            anonymousPresence: false, logger: Logger(label: "test"), presenceEntries: ChorusMetrics.disabled.presenceEntries
        )
        let lease = StreamLease(connection: stream.connection, hub: stream.hub, lifecycle: lifecycle)
        lease.releaseWhenClosed(stream.channel)
        try await stream.publish(1)

        try await stream.channel.close()
        var disconnects = left.stream.makeAsyncIterator()
        #expect(await disconnects.next()?.scopes == ["doc"])
        #expect(stream.hub.connectionCount == 0)

        // Hummingbird would not run the body now; if it did, nothing would be written.
        #expect(await stream.writer.begin([StreamUnderTest.retry]) == false)
        let end = await stream.writer.goLive(after: nil)
        #expect(end.reason == .clientGone)
        #expect(end.frames == 0)
        #expect(try await stream.received() == [])
    }

    @Test("a client gone while the stream starts: the replay stops, queued live events are dropped, the stream ends as client-gone", arguments: Departure.allCases)
    func goneWhileStarting(_ departure: Departure) async throws {
        var stream = try await StreamUnderTest()
        #expect(await stream.writer.begin([StreamUnderTest.retry, StreamUnderTest.replayed(1)]))
        #expect(try await stream.received() == ["e1"])
        #expect(stream.retryReceived == 2000)
        try await stream.publish(2)

        try await departure.happen(to: stream.channel)
        // Checked before going live, which would not return for a stream that did not see its client go.
        try #require(await stream.writer.continueReplay([StreamUnderTest.replayed(2)]) == false)
        let end = await stream.writer.goLive(after: EventID(milliseconds: 1, sequence: 0))
        #expect(end.reason == .clientGone)
        #expect(end.frames == 2)
        try await stream.publish(3)
        #expect(try await stream.received() == [])
        #expect(try await !stream.handlerInPipeline())
    }

    @Test("a client gone once the stream is live: it ends as client-gone, its handler leaves the pipeline, the connection closes, later events write nothing", arguments: Departure.allCases)
    func goneWhileLive(_ departure: Departure) async throws {
        var stream = try await StreamUnderTest()
        #expect(await stream.writer.begin([StreamUnderTest.retry]))
        try await stream.publish(1)
        #expect(try await stream.received() == [])
        let writer = stream.writer
        let live = Task { await writer.goLive(after: nil) }
        try await stream.waitForWrite()
        #expect(try await stream.received() == ["e1"])
        try await stream.publish(2)
        #expect(try await stream.received() == ["e2"])

        try await departure.happen(to: stream.channel)
        try #require(try await !stream.handlerInPipeline())
        let end = await live.value
        #expect(end.reason == .clientGone)
        #expect(end.frames == 3)
        try await stream.publish(3)
        #expect(try await stream.received() == [])
        // A client that only shut its side is closed too: the connection carries nothing else.
        try await stream.channel.closeFuture.get()
    }

    @Test("a live client whose socket takes nothing falls `capacity` frames behind, then is cut off (overflow)")
    func unwritableLive() async throws {
        var stream = try await StreamUnderTest(capacity: 2)
        #expect(await stream.writer.begin([StreamUnderTest.retry]))
        // Read the `retry:` line now, so the write waited for below is the live event's.
        #expect(try await stream.received() == [])
        try await stream.publish(1)
        let writer = stream.writer
        let live = Task { await writer.goLive(after: nil) }
        try await stream.waitForWrite()
        #expect(try await stream.received() == ["e1"])

        stream.channel.isWritable = false
        stream.channel.pipeline.fireChannelWritabilityChanged()
        try await stream.publish(2)
        try await stream.publish(3)
        #expect(stream.channel.isActive)
        // Writable again: the count starts over.
        stream.channel.isWritable = true
        try await stream.publish(4)
        stream.channel.isWritable = false
        try await stream.publish(5)
        try await stream.publish(6)
        #expect(stream.channel.isActive)
        try await stream.publish(7)

        try #require(!stream.channel.isActive)
        #expect(await live.value.reason == .overflow)
        #expect(try await stream.received() == ["e2", "e3", "e4", "e5", "e6"])
    }

    @Test("a replay waits for the socket to take each page, and goes on once it does")
    func replayWaitsForRoom() async throws {
        var stream = try await StreamUnderTest()
        stream.channel.isWritable = false
        let writer = stream.writer
        let started = Task { await writer.begin([StreamUnderTest.retry, StreamUnderTest.replayed(1)]) }
        try await stream.waitForWrite()
        #expect(try await stream.received() == ["e1"])
        // Fewer ticks than a stalled replay is allowed.
        for _ in 0 ..< StreamWriter.stalledTicksAllowed {
            stream.hub.heartbeatTick()
            try await stream.settle()
        }
        stream.channel.isWritable = true
        stream.channel.pipeline.fireChannelWritabilityChanged()
        #expect(await started.value)
        #expect(await stream.writer.continueReplay([StreamUnderTest.replayed(2)]))
        #expect(try await stream.received() == ["e2"])
    }

    @Test("a replay whose socket takes nothing is cut off after a few heartbeat ticks (overflow)")
    func unwritableReplay() async throws {
        var stream = try await StreamUnderTest()
        stream.channel.isWritable = false
        let writer = stream.writer
        let started = Task { await writer.begin([StreamUnderTest.retry, StreamUnderTest.replayed(1)]) }
        try await stream.waitForWrite()
        #expect(try await stream.received() == ["e1"])

        for _ in 0 ... StreamWriter.stalledTicksAllowed {
            stream.hub.heartbeatTick()
            try await stream.settle()
        }
        #expect(await started.value == false)
        #expect(await stream.writer.goLive(after: EventID(milliseconds: 1, sequence: 0)).reason == .overflow)
        #expect(!stream.channel.isActive)
    }

    @Test("closed while the replay is written: the replay stops, live events queued meanwhile follow it once each, then the close event")
    func closeWhileStarting() async throws {
        var stream = try await StreamUnderTest()
        #expect(await stream.writer.begin([StreamUnderTest.retry, StreamUnderTest.replayed(1)]))
        // Event 1 is both in the replay and live; event 2 only live.
        try await stream.publish(1)
        try await stream.publish(2)

        stream.connection.close(.shutdown)
        #expect(await stream.writer.continueReplay([StreamUnderTest.replayed(3)]) == false)
        let end = await stream.writer.goLive(after: EventID(milliseconds: 1, sequence: 0))
        #expect(end.reason == .shutdown)
        #expect(try await stream.received() == ["e1", "e2", #"close:{"reason":"shutdown","reconnect":true}"#])
        // The response ends (its last chunk), then the connection: it carries nothing else.
        #expect(try await stream.lastChunkReceived())
        try await stream.channel.closeFuture.get()
        #expect(try await !stream.handlerInPipeline())
        try await stream.publish(4)
        #expect(try await stream.received() == [])
    }
}
