import ChorusCore
import DequeModule
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Writes one SSE stream's frames straight to its channel, on the channel's event loop.
///
/// A stream starts *starting*: the Hub may already deliver live events (the connection is
/// registered before the history is read), and they wait in a bounded queue. ``run(initial:after:)``
/// then, in one event-loop task, writes the `retry:` line and the replay, the queued events (those
/// the replay already covered dropped by id), and turns the stream *live*: from then on the Hub's
/// per-loop batches write each frame to the socket as it comes, with no task switch per connection
/// and one flush per connection per batch.
///
/// A client that does not read is cut off, never silently skipped: once the channel is not
/// writable (NIO's buffer is over its high watermark) it may fall `capacity` more frames behind,
/// then the channel is closed and the client reconnects with `Last-Event-ID`.
///
/// `@unchecked Sendable`: the mutable state is confined to `eventLoop`. Every method that touches it
/// runs there (the Hub calls them from its loop tasks; ``close(_:)`` and ``run(initial:after:)`` hop).
final class StreamWriter: @unchecked Sendable {
    private enum Phase {
        /// The initial frames are not written yet; live frames wait in `pending`.
        case starting
        /// Frames go straight to the socket.
        case live
        /// Nothing more is written.
        case ended
    }

    /// Where the chunks go.
    private enum Sink {
        /// Below Hummingbird's HTTP/1.1 encoder: the pre-framed chunk, one write.
        case chunks(ChannelHandlerContext)
        /// Through the whole pipeline as a body part (any other pipeline, e.g. HTTP/2): the bare frame.
        case parts
    }

    let eventLoop: any EventLoop
    private let channel: any Channel
    private let capacity: Int
    private var phase = Phase.starting
    private var sink: Sink?
    private var pending: Deque<Outbound> = []
    private var closeReason: CloseReason?
    private var lastSent: EventID?
    private var activeSinceTick = false
    private var needsFlush = false
    private var framesWhileUnwritable = 0
    private var ended: CheckedContinuation<CloseReason, Never>?

    init(channel: any Channel, capacity: Int) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.capacity = capacity
    }

    // MARK: Any thread

    /// Writes `initial` (raw SSE frames), then what was delivered meanwhile that is newer than
    /// `lastEventID`, then goes live. Returns when the stream ends, with the reason.
    func run(initial: [ByteBuffer], after lastEventID: EventID?) async -> CloseReason {
        await withCheckedContinuation { continuation in
            eventLoop.execute { self.start(initial: initial, after: lastEventID, continuation: continuation) }
        }
    }

    /// Ends the stream in an orderly way: a close event first if the reason has one.
    func close(_ reason: CloseReason) {
        if eventLoop.inEventLoop {
            closeOnLoop(reason)
        } else {
            eventLoop.execute { self.closeOnLoop(reason) }
        }
    }

    // MARK: On the event loop

    /// Writes (or, while starting, queues) one frame. Call ``flushIfNeeded()`` after a batch.
    func deliver(_ item: Outbound) {
        eventLoop.assertInEventLoop()
        switch phase {
        case .ended:
            return
        case .starting:
            guard closeReason == nil else { return }
            guard pending.count < capacity else { return overflow() }
            pending.append(item)
            activeSinceTick = true
        case .live:
            if let id = item.id {
                if let last = lastSent, id <= last { return }
                lastSent = id
            }
            if channel.isWritable {
                framesWhileUnwritable = 0
            } else {
                framesWhileUnwritable += 1
                guard framesWhileUnwritable <= capacity else { return overflow() }
            }
            write(item)
            activeSinceTick = true
        }
    }

    /// Flushes what ``deliver(_:)`` wrote since the last flush.
    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        switch sink {
        case .chunks(let context): context.flush()
        case .parts: channel.flush()
        case nil: break
        }
    }

    /// Sends a heartbeat comment if nothing was delivered since the last call.
    func heartbeatIfIdle() {
        eventLoop.assertInEventLoop()
        defer { activeSinceTick = false }
        guard !activeSinceTick else { return }
        switch phase {
        case .starting:
            if closeReason == nil && pending.count < capacity { pending.append(ControlFrames.heartbeatFrame) }
        case .live:
            write(ControlFrames.heartbeatFrame)
            flushIfNeeded()
        case .ended:
            break
        }
    }

    /// The channel is gone, or the client closed its side: end without writing more.
    func clientGone() {
        closeOnLoop(.clientGone)
    }

    /// The chunk handler left the pipeline (the channel closed): forget its context.
    func detach() {
        if case .chunks = sink { sink = nil }
        clientGone()
    }

    private func start(initial: [ByteBuffer], after lastEventID: EventID?, continuation: CheckedContinuation<CloseReason, Never>) {
        ended = continuation
        if let closeReason, !closeReason.sendsCloseEvent { return finish(closeReason) }
        guard channel.isActive, attachSink() else { return finish(.clientGone) }
        for frame in initial { write(Outbound(id: nil, frame: frame)) }
        lastSent = lastEventID
        // Live frames that arrived meanwhile, in order; the close frame, if any, is the last.
        while let item = pending.popFirst() {
            if let id = item.id {
                if let last = lastSent, id <= last { continue }
                lastSent = id
            }
            write(item)
        }
        flushIfNeeded()
        if let closeReason { return finish(closeReason) }
        phase = .live
    }

    /// Puts a ``StreamChunkHandler`` next to the socket when the pipeline is Hummingbird's HTTP/1.1
    /// one (its response is always chunked: `HTTP1ToHTTPServerCodec` answers as HTTP/1.1, and the
    /// SSE response has no length). Any other pipeline gets body parts at the tail.
    private func attachSink() -> Bool {
        let pipeline = channel.pipeline.syncOperations
        do {
            _ = try pipeline.context(handlerType: HTTPResponseEncoder.self)
            try pipeline.addHandler(StreamChunkHandler(writer: self), position: .first)
            return sink != nil
        } catch ChannelPipelineError.notFound {
            sink = .parts
            channel.closeFuture.whenComplete { _ in self.clientGone() }
            return true
        } catch {
            return false
        }
    }

    /// Called by the chunk handler once it is in the pipeline.
    func attached(_ context: ChannelHandlerContext) {
        sink = .chunks(context)
    }

    private func write(_ item: Outbound) {
        guard item.chunk.readableBytes > 0 else { return }
        switch sink {
        case .chunks(let context):
            context.write(NIOAny(IOData.byteBuffer(item.chunk)), promise: nil)
        case .parts:
            channel.write(HTTPResponsePart.body(item.frame), promise: nil)
        case nil:
            return
        }
        needsFlush = true
    }

    private func closeOnLoop(_ reason: CloseReason) {
        eventLoop.assertInEventLoop()
        switch phase {
        case .ended:
            return
        case .starting:
            guard closeReason == nil else { return }
            closeReason = reason
            if reason.sendsCloseEvent {
                pending.append(ControlFrames.closeFrame(reason))
            } else {
                pending.removeAll()
            }
        case .live:
            if reason.sendsCloseEvent {
                write(ControlFrames.closeFrame(reason))
                flushIfNeeded()
            }
            finish(reason)
        }
    }

    private func overflow() {
        finish(.overflow)
        channel.close(promise: nil)
    }

    private func finish(_ reason: CloseReason) {
        phase = .ended
        closeReason = closeReason ?? reason
        pending.removeAll()
        // Take the handler out (it holds this writer) so a keep-alive connection's next request
        // sees Hummingbird's own pipeline; a closing channel removes it by itself.
        if case .chunks(let context) = sink {
            sink = nil
            if channel.isActive { context.pipeline.syncOperations.removeHandler(context: context, promise: nil) }
        }
        let continuation = ended
        ended = nil
        continuation?.resume(returning: reason)
    }
}
