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

/// A live stream on `NIOAsyncTestingChannel` (virtual time) whose Hub pauses `pause` after a
/// drain during which more events arrived.
private struct PacedStream {
    let channel: NIOAsyncTestingChannel
    let hub: Hub
    let connection: Connection
    private var wire: [UInt8] = []
    private var parser = SSEParser()

    init(pause: TimeAmount) async throws {
        channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80))
        hub = Hub(pacing: LoopInbox.Pacing(factor: 0, minimum: pause, maximum: pause))
        connection = try #require(hub.register(Subscription(scopes: ["doc"], info: ConnectionInfo()), queueCapacity: 16, channel: channel))
        let (channel, box) = (self.channel, connection.writer)
        try await channel.testingEventLoop.executeInContext {
            try StreamChunkHandler.attach(box.value, to: channel.pipeline.syncOperations)
        }
        #expect(await connection.writer.begin([ControlFrames.retry(.seconds(2))]))
        // Event 0 waits for the stream to go live; once it is written, the stream is live.
        try await publish(0)
        let writer = connection.writer
        Task { _ = await writer.goLive(after: nil) }
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(try await received() == [])
    }

    /// Makes event `next` arrive while the first frame written after this call is being written.
    func publishDuringTheNextWrite(_ next: Int) async throws {
        let hub = self.hub
        let channel = self.channel
        try await channel.testingEventLoop.executeInContext {
            try channel.pipeline.syncOperations.addHandler(PublishOnFirstWrite { hub.receive([.event(Self.envelope(next))]) }, position: .first)
        }
    }

    func publish(_ n: Int) async throws {
        hub.receive([.event(Self.envelope(n))])
        try await settle()
    }

    func settle() async throws {
        try await channel.testingEventLoop.executeInContext {}
    }

    static func envelope(_ n: Int) -> Envelope {
        Envelope(id: EventID(milliseconds: UInt64(n), sequence: 0), scope: "doc", data: "e\(n)")
    }

    /// The events written since the last call, as `type:data` (`message`s as their data alone).
    mutating func received() async throws -> [String] {
        try await settle()
        while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
            wire += buffer.readableBytesView
        }
        var body: [UInt8] = []
        while let lineEnd = wire.firstIndex(of: UInt8(ascii: "\n")) {
            let header = String(decoding: wire[..<lineEnd], as: UTF8.self)
            let length = try #require(Int(header.dropLast(), radix: 16), "not a chunk header: \(header)")
            guard wire.count >= lineEnd + 1 + length + 2 else { break }
            body += wire[(lineEnd + 1) ..< (lineEnd + 1 + length)]
            wire.removeFirst(lineEnd + 1 + length + 2)
        }
        return parser.feed(body).map { $0.type == "message" ? $0.data : "\($0.type):\($0.data)" }
    }
}

/// A loop's inbox under load: events that arrive while it writes wait for a pause, then go out
/// together; a close never overtakes them.
@Suite("Loop inbox", .timeLimit(.minutes(1)))
struct LoopInboxTests {
    @Test("events that arrive while a drain writes go out after the pause, in order, and nothing is lost")
    func pileUpWaitsForThePause() async throws {
        var stream = try await PacedStream(pause: .milliseconds(10))
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

    @Test("a close during a pause follows the events queued before it, without waiting for the pause", arguments: [false, true])
    func closeFollowsQueuedEvents(throughTheHub: Bool) async throws {
        var stream = try await PacedStream(pause: .seconds(60))
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
