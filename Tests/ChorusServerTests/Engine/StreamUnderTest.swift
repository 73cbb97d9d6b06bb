import ChorusCore
import ChorusTesting
import NIOCore
import NIOEmbedded
import Testing

@testable import ChorusServer

/// One stream's writer and chunk handler on an in-memory channel, registered with a real Hub.
///
/// The chunk handler is attached as the ``EventsInterceptor`` attaches it once the response head
/// is written, and the writer writes pre-framed chunks through it. What reaches the "socket" is
/// read back and parsed as a browser would: chunked framing first, then SSE.
struct StreamUnderTest {
    let channel: NIOAsyncTestingChannel
    let hub: Hub
    let connection: Connection
    private var wire: [UInt8] = []
    private var parser = SSEParser()
    /// Whether the body's last chunk (`0\r\n\r\n`) has been read.
    private var sawLastChunk = false
    /// How many writes have reached the channel and been read back so far.
    private(set) var writesRead = 0

    /// A stream subscribed to scope `doc`, registered with `hub`, not begun, on `loop`.
    init(capacity: Int = 4, hub: Hub = Hub(), loop: NIOAsyncTestingEventLoop = NIOAsyncTestingEventLoop()) async throws {
        self.hub = hub
        channel = NIOAsyncTestingChannel(loop: loop)
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

    /// A live stream (begun with `retry:`, no replay, event 0 received) on a Hub that paces its
    /// loop as `pacing` says.
    static func live(pacing: LoopInbox.Pacing = .off) async throws -> StreamUnderTest {
        var stream = try await StreamUnderTest(capacity: 16, hub: Hub(pacing: pacing))
        #expect(await stream.writer.begin([retry]))
        #expect(try await stream.received() == [])
        // Event 0 waits for the stream to go live; once it is written, the stream is live.
        try await stream.publish(0)
        let writer = stream.writer
        Task { _ = await writer.goLive(after: nil) }
        try await stream.waitForWrite()
        #expect(try await stream.received() == ["e0"])
        return stream
    }

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
            writesRead += 1
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
        writesRead += 1
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
