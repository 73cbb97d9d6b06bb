import ChorusCore
import DequeModule
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Writes one SSE stream's frames straight to its channel, on the channel's event loop.
///
/// A stream starts *starting*: the Hub may already deliver live events (the connection is
/// registered before the history is read), and they wait in a bounded queue. The stream's start
/// (``PreparedStream``) then ``begin(_:)``s it with the `retry:` line and the first page of its replay, writes each
/// further page with ``continueReplay(_:)`` once the socket has taken the one before, and
/// ``goLive(after:then:)`` writes the queued events (those the replay already covered dropped by id)
/// and turns the stream *live*, with no task left waiting for it: from then on the Hub's per-loop batches write each frame to the
/// socket as it comes, with no task switch per connection and one flush per connection per batch.
///
/// What a stream holds in memory is bounded whatever its client does: one replay page at a time,
/// and `capacity` queued frames (shared with every other stream that gets them).
///
/// A client that does not read is cut off, never silently skipped: once the channel is not
/// writable (NIO's buffer is over its high watermark) it may fall `capacity` more frames behind
/// (or, in its replay, be found waiting for room at more than ``stalledTicksAllowed`` heartbeat
/// ticks in a row), then the
/// connection is reset, dropping what was queued for it, and the client comes back with
/// `Last-Event-ID`.
///
/// Not `Sendable`: its state belongs to its channel's event loop. Other threads hold it only in
/// the `NIOLoopBoundBox` of its ``Connection``, whose every access checks that it runs on that loop
/// (the Hub's loop tasks read it there; the entry points for any thread, in
/// `NIOLoopBoundBox+StreamWriter.swift`, hop to the loop first). The chunk handler, in the
/// channel's pipeline, calls it on the loop by NIO's contract.
final class StreamWriter {
    private enum Phase {
        /// The replay is being written; live frames wait in `pending`.
        case starting
        /// Frames go straight to the socket.
        case live
        /// Nothing more is written.
        case ended
    }

    /// Heartbeat ticks a replay may wait for a socket that takes nothing before the client is cut off.
    static let stalledTicksAllowed = 2

    private let channel: any Channel
    private let capacity: Int
    private let sendBufferBytes: Int?
    private let metrics: DeliveryMetrics?
    private var phase = Phase.starting
    /// Where the chunks go: the ``StreamChunkHandler`` next to the socket, which writes the
    /// pre-framed chunk (or, for an HTTP/1.0 client, the bare frame) in one write.
    private var sink: (context: ChannelHandlerContext, chunked: Bool)?
    private var pending: Deque<Outbound> = []
    private var closeReason: CloseReason?
    private var lastSent: EventID?
    private var activeSinceTick = false
    private var needsFlush = false
    private var framesWhileUnwritable = 0
    /// The replay's task, waiting for the socket to take the page it was given.
    private var waitingForRoom: CheckedContinuation<Bool, Never>?
    private var stalledTicks = 0
    /// Told once when the stream ends (set when it goes live).
    private var endObserver: (any StreamEndObserver)?
    /// Frames written to this client (the `retry:` line, replayed and live events, control events;
    /// not heartbeats),
    /// for the stream's last log line.
    private var framesWritten = 0

    init(channel: any Channel, capacity: Int, sendBufferBytes: Int? = nil, metrics: DeliveryMetrics? = nil) {
        self.channel = channel
        self.capacity = capacity
        self.sendBufferBytes = sendBufferBytes
        self.metrics = metrics
    }

    // MARK: On the event loop

    /// Writes (or, while starting, queues) one frame. Call ``flushIfNeeded()`` after a batch.
    /// Returns the bytes written to the socket now (0 if queued or dropped), for the batch's count.
    @discardableResult
    func deliver(_ item: Outbound) -> Int {
        // `assert`, not `assertInEventLoop()`: a release build must not even fetch the loop here,
        // once per delivery (the box this is reached through checks the loop in debug builds).
        assert(channel.eventLoop.inEventLoop)
        switch phase {
        case .ended:
            return 0
        case .starting:
            guard closeReason == nil else { return 0 }
            guard pending.count < capacity else {
                cutOff()
                return 0
            }
            pending.append(item)
            activeSinceTick = true
            return 0
        case .live:
            if let id = item.id {
                if let last = lastSent, id <= last { return 0 }
                lastSent = id
            }
            guard admitWhileUnwritable(1) else { return 0 }
            activeSinceTick = true
            return write(item)
        }
    }

    /// Writes a whole run of events in one write, if the stream is live and has sent none of
    /// them yet; returns the bytes written, or `nil` when the run must go event by event
    /// (``deliver(_:)``): the stream is starting or ended, or its replay already sent some of them.
    func deliver(_ run: FrameRun) -> Int? {
        assert(channel.eventLoop.inEventLoop)
        guard phase == .live, let (context, chunked) = sink else { return nil }
        if let last = lastSent, run.firstID <= last { return nil }
        lastSent = run.lastID
        guard admitWhileUnwritable(run.count) else { return 0 }
        activeSinceTick = true
        let bytes = run.bytes(chunked: chunked)
        context.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
        needsFlush = true
        framesWritten += run.count
        return bytes.readableBytes
    }

    /// Whether `frames` more may be written: always while the channel is writable; while it is not,
    /// until the client is `capacity` frames behind, when it is cut off.
    private func admitWhileUnwritable(_ frames: Int) -> Bool {
        if channel.isWritable {
            framesWhileUnwritable = 0
            return true
        }
        framesWhileUnwritable += frames
        guard framesWhileUnwritable <= capacity else {
            cutOff()
            return false
        }
        return true
    }

    /// Flushes what ``deliver(_:)`` wrote since the last flush.
    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        sink?.context.flush()
    }

    /// Sends a heartbeat comment if nothing was delivered since the last call; cuts off a replay
    /// that has been waiting for a socket that takes nothing.
    func heartbeatIfIdle() {
        channel.eventLoop.assertInEventLoop()
        defer { activeSinceTick = false }
        // Sampled at each tick: a replay found waiting for room at more than a few ticks in a row
        // is not being read (a trickle the kernel lets through does not count as reading it).
        if waitingForRoom != nil {
            stalledTicks += 1
            if stalledTicks > Self.stalledTicksAllowed { return cutOff() }
        } else {
            stalledTicks = 0
        }
        guard !activeSinceTick else { return }
        switch phase {
        case .starting:
            if closeReason == nil && pending.count < capacity { pending.append(ControlFrames.heartbeatFrame) }
        case .live:
            write(ControlFrames.heartbeatFrame, isHeartbeat: true)
            flushIfNeeded()
        case .ended:
            break
        }
    }

    /// The socket's writability changed: a replay waiting for room may go on.
    func writabilityChanged() {
        guard channel.isWritable, let waiting = waitingForRoom else { return }
        waitingForRoom = nil
        waiting.resume(returning: closeReason == nil && phase == .starting)
    }

    /// The channel is gone, or the client closed its side: end without writing more.
    func clientGone() {
        closeOnLoop(.clientGone)
    }

    /// The chunk handler left the pipeline (the channel closed): forget its context.
    func detach() {
        sink = nil
        clientGone()
    }

    /// Called by the chunk handler once it is in the pipeline.
    func attached(_ context: ChannelHandlerContext, chunked: Bool) {
        sink = (context, chunked)
    }

    func beginOnLoop(_ frames: [ByteBuffer], _ continuation: CheckedContinuation<Bool, Never>) {
        guard closeReason == nil || closeReason?.sendsCloseEvent == true, channel.isActive, sink != nil else {
            closeOnLoop(.clientGone)
            return continuation.resume(returning: false)
        }
        if let sendBufferBytes {
            // Bounds the kernel memory a client that stops reading can pin before it is cut off.
            try? channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(sendBufferBytes))
        }
        writePage(frames, continuation, evenIfClosing: true)
    }

    func writePage(_ frames: [ByteBuffer], _ continuation: CheckedContinuation<Bool, Never>, evenIfClosing: Bool = false) {
        guard phase == .starting, closeReason == nil || evenIfClosing else { return continuation.resume(returning: false) }
        for frame in frames { write(Outbound(id: nil, frame: frame)) }
        flushIfNeeded()
        // Without a sink nothing was written, and no handler would say when there is room.
        guard channel.isWritable || sink == nil else {
            // Wait for the socket to take this page before the task reads the next one.
            waitingForRoom = continuation
            return
        }
        continuation.resume(returning: closeReason == nil)
    }

    func goLiveOnLoop(after lastEventID: EventID?, then observer: any StreamEndObserver) {
        guard phase == .starting else { return observer.streamEnded(StreamEnd(reason: closeReason ?? .clientGone, frames: framesWritten)) }
        endObserver = observer
        if let closeReason, !closeReason.sendsCloseEvent { return finish(closeReason) }
        lastSent = lastEventID
        // Live frames that arrived meanwhile, in order; the close frame, if any, is the last.
        var (frames, bytes) = (0, 0)
        while let item = pending.popFirst() {
            if let id = item.id {
                if let last = lastSent, id <= last { continue }
                lastSent = id
            }
            let written = write(item)
            if item.id != nil, written > 0 { (frames, bytes) = (frames + 1, bytes + written) }
        }
        metrics?.delivered(frames: frames, bytes: bytes)
        flushIfNeeded()
        if let closeReason { return finishClosing(closeReason) }
        phase = .live
    }

    /// Returns the bytes written (0 for an empty frame or no sink).
    @discardableResult
    private func write(_ item: Outbound, isHeartbeat: Bool = false) -> Int {
        guard case let (context, chunked)? = sink else { return 0 }
        let bytes = chunked ? item.chunk : item.frame
        guard bytes.readableBytes > 0 else { return 0 }
        context.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
        needsFlush = true
        if !isHeartbeat { framesWritten += 1 }
        return bytes.readableBytes
    }

    func closeOnLoop(_ reason: CloseReason) {
        channel.eventLoop.assertInEventLoop()
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
            if let waiting = waitingForRoom {
                waitingForRoom = nil
                waiting.resume(returning: false)
            }
        case .live:
            guard reason.sendsCloseEvent else { return finish(reason) }
            write(ControlFrames.closeFrame(reason))
            flushIfNeeded()
            finishClosing(reason)
        }
    }

    /// Ends a stream closed on purpose, once its close event is written. A client whose socket
    /// takes nothing more (it stopped reading) is reset instead of waited for: the end of the
    /// response would wait for room that never comes, and hold up the node's shutdown forever.
    private func finishClosing(_ reason: CloseReason) {
        guard channel.isWritable else { return cutOff(reason) }
        finish(reason)
    }

    /// Ends a client that fell too far behind with a reset (`SO_LINGER` 0): what is still queued
    /// for it, in NIO and in the kernel, is dropped at once rather than kept in an orphaned socket
    /// that tries to deliver it; the client resumes with `Last-Event-ID` anyway.
    private func cutOff(_ reason: CloseReason = .overflow) {
        closeReason = closeReason ?? reason
        if let waiting = waitingForRoom {
            waitingForRoom = nil
            waiting.resume(returning: false)
        }
        finish(reason, endingResponse: false)
        let channel = self.channel
        guard let socket = channel as? any SocketOptionProvider else { return channel.close(promise: nil) }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The last chunk of a chunked response: the end of the stream's body.
    private static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")

    /// Ends the stream: with `endingResponse`, its response's end (the last chunk, or nothing for
    /// an HTTP/1.0 client, whose body ends with the connection) and then the connection, which
    /// carries nothing else.
    private func finish(_ reason: CloseReason, endingResponse: Bool = true) {
        phase = .ended
        closeReason = closeReason ?? reason
        pending.removeAll()
        if case let (context, chunked)? = sink {
            sink = nil
            if channel.isActive {
                if endingResponse {
                    let channel = self.channel
                    let end = chunked ? Self.lastChunk : ByteBuffer()
                    context.writeAndFlush(NIOAny(IOData.byteBuffer(end))).whenComplete { _ in channel.close(promise: nil) }
                }
                // It holds this writer; a closing channel would remove it too.
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            }
        }
        let observer = endObserver
        endObserver = nil
        observer?.streamEnded(StreamEnd(reason: reason, frames: framesWritten))
    }
}
