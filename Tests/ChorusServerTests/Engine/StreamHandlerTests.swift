import ChorusCore
import ChorusTesting
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import ChorusServer

/// One stream's writer and chunk handler on an in-memory channel, registered with a real Hub.
///
/// The chunk handler is attached as the ``EventsInterceptor`` attaches it once the response head
/// is written, and the writer writes pre-framed chunks through it. What reaches the "socket" is
/// read back and parsed as a browser would: chunked framing first, then SSE.
private struct StreamUnderTest {
    let channel: NIOAsyncTestingChannel
    let hub = Hub()
    let connection: Connection
    private var wire: [UInt8] = []
    private var parser = SSEParser()
    /// Whether the body's last chunk (`0\r\n\r\n`) has been read.
    private var sawLastChunk = false

    init(capacity: Int = 4) async throws {
        channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80))
        connection = try #require(
            hub.register(Subscription(scopes: ["doc"], info: ConnectionInfo()), queueCapacity: capacity, channel: channel)
        )
        let (channel, writer) = (self.channel, connection.writer)
        try await channel.testingEventLoop.executeInContext {
            try StreamChunkHandler.attach(writer.value, to: channel.pipeline.syncOperations)
        }
    }

    var writer: NIOLoopBoundBox<StreamWriter> { connection.writer }

    /// Publishes event `n` (id `n-0`) to the Hub, and waits until the loop has handled it.
    func publish(_ n: Int) async throws {
        hub.receive([.event(Self.envelope(n))])
        try await settle()
    }

    /// Waits until the loop has run everything queued on it so far.
    func settle() async throws {
        try await channel.testingEventLoop.executeInContext {}
    }

    static func envelope(_ n: Int) -> Envelope {
        Envelope(id: EventID(milliseconds: UInt64(n), sequence: 0), scope: "doc", data: "e\(n)")
    }

    /// Event `n` as a replay page holds it.
    static func replayed(_ n: Int) -> ByteBuffer {
        ByteBuffer(bytes: try! SSEEncoder.encode(ServerSentEvent(envelope(n))))
    }

    static let retry = ControlFrames.retry(.seconds(2))

    /// The events the client has been sent since the last call, as `type:data` (`message`s as
    /// their data alone).
    mutating func received() async throws -> [String] {
        try await settle()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            wire += buffer.readableBytesView
        }
        var body: [UInt8] = []
        // Only whole chunks; a partial one stays for the next call.
        while let lineEnd = wire.firstIndex(of: UInt8(ascii: "\n")) {
            let header = String(decoding: wire[..<lineEnd], as: UTF8.self)
            let length = try #require(Int(header.dropLast(), radix: 16), "not a chunk header: \(header)")
            guard wire.count >= lineEnd + 1 + length + 2 else { break }
            if length == 0 { sawLastChunk = true }
            body += wire[(lineEnd + 1) ..< (lineEnd + 1 + length)]
            #expect(wire[(lineEnd + 1 + length)...].prefix(2).elementsEqual("\r\n".utf8))
            wire.removeFirst(lineEnd + 1 + length + 2)
        }
        return parser.feed(body).map { $0.type == "message" ? $0.data : "\($0.type):\($0.data)" }
    }

    /// Waits until at least one more write reached the channel (kept for ``received()``).
    mutating func waitForWrite() async throws {
        let buffer = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        wire += buffer.readableBytesView
    }

    var retryReceived: Int? { parser.retry }

    /// Whether the response's end (its last chunk) has reached the client.
    mutating func lastChunkReceived() async throws -> Bool {
        _ = try await received()
        return sawLastChunk
    }

    /// Whether the stream's chunk handler is still in the pipeline.
    func handlerInPipeline() async throws -> Bool {
        let channel = self.channel
        return try await channel.testingEventLoop.executeInContext {
            (try? channel.pipeline.syncOperations.handler(type: StreamChunkHandler.self)) != nil
        }
    }
}

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
