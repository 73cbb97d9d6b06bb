import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Serves `GET /events` below Hummingbird's request loop, so that an open stream is a few small
/// objects on its connection's event loop and no task.
///
/// Last in a connection's pipeline, after Hummingbird's HTTP/1 codec and connection-state handler
/// (which so still see every request and response: idle timeouts and quiescing work as before).
/// A `GET /events` head is taken here: the request runs through the node's router (with its
/// middleware) in a task that ends once the stream is live (``EventsResponder``), and the
/// response is written from here. Every other request goes on to Hummingbird's `NIOAsyncChannel`,
/// which ``ChorusHTTP1Channel`` adds only when the connection first needs it: a connection whose
/// first request is a stream never gets Hummingbird's per-connection task at all (``verdict``).
///
/// Requests are answered in order: a stream request that arrives while Hummingbird still answers
/// an earlier one waits for that response's end. Once a stream runs, the connection carries
/// nothing else: what the client sends is dropped, and the stream's writer closes the connection
/// when the stream ends.
final class EventsInterceptor: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Who reads the connection after its first request.
    enum Verdict: Sendable {
        /// A stream runs on it: nobody.
        case stream
        /// Hummingbird's request loop.
        case hummingbird
        /// It closed first.
        case closed
    }

    private enum Mode {
        /// Requests go to Hummingbird, except a stream's.
        case passing
        /// A stream request is being answered; `endSeen` once its `.end` part has arrived.
        case answering(endSeen: Bool)
        /// Its answer was an error and written; its remaining parts are dropped until its `.end`.
        case discardingRest
        /// The connection is a stream's.
        case streaming
    }

    private let responder: EventsResponder
    private var verdictPromise: EventLoopPromise<Verdict>?
    private var mode = Mode.passing
    private var context: ChannelHandlerContext?
    /// Whether Hummingbird's `NIOAsyncChannel` follows this handler.
    private var hummingbirdAttached = false
    /// Parts for Hummingbird that arrived before it was attached.
    private var waitingForHummingbird: [HTTPRequestPart] = []
    /// Whether a read was asked for while parts wait for Hummingbird (and held back until it is attached).
    private var readHeld = false
    /// Requests passed to Hummingbird whose responses have not ended.
    private var hummingbirdResponsesOpen = 0
    /// A stream request waiting for Hummingbird's earlier responses to end.
    private var heldHead: HTTPRequest?

    init(responder: EventsResponder, verdict: EventLoopPromise<Verdict>) {
        self.responder = responder
        self.verdictPromise = verdict
    }

    /// Whether `head` is a request for `/events` (as the router would route it).
    static func isStreamRequest(_ head: HTTPRequest) -> Bool {
        guard head.method == .get, let path = head.path else { return false }
        let route = path.prefix { $0 != "?" }
        // As Hummingbird's router matches it: components between slashes, empty ones ignored.
        var components = route.split(separator: "/").makeIterator()
        return components.next() == "events" && components.next() == nil
    }

    // MARK: Inbound

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        decide(.closed)
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A stream's connection has no HTTP decoder left: what the client sends is bytes.
        if case .streaming = mode { return }
        let part = unwrapInboundIn(data)
        switch mode {
        case .streaming:
            return
        case .answering(let endSeen):
            if case .end = part, !endSeen { mode = .answering(endSeen: true) }
            return
        case .discardingRest:
            if case .end = part { mode = .passing }
            return
        case .passing:
            break
        }
        if case .head(let head) = part {
            if Self.isStreamRequest(head) {
                mode = .answering(endSeen: false)
                if hummingbirdResponsesOpen == 0 { answer(head) } else { heldHead = head }
                return
            }
            hummingbirdResponsesOpen += 1
        }
        guard hummingbirdAttached else {
            waitingForHummingbird.append(part)
            decide(.hummingbird)
            return
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if hummingbirdAttached { context.fireChannelReadComplete() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !hummingbirdAttached, case .some(.inputClosed) = event as? ChannelEvent, case .passing = mode, waitingForHummingbird.isEmpty {
            // The client is done before asking anything: nobody will answer on this connection.
            decide(.closed)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Called on the event loop once Hummingbird's `NIOAsyncChannel` is in the pipeline after
    /// this handler: passes on what arrived for it meanwhile, then lets the connection be read again.
    func attachedHummingbird() {
        hummingbirdAttached = true
        guard let context else { return }
        if !waitingForHummingbird.isEmpty {
            let parts = waitingForHummingbird
            waitingForHummingbird = []
            for part in parts { context.fireChannelRead(wrapInboundOut(part)) }
            context.fireChannelReadComplete()
        }
        if readHeld {
            readHeld = false
            // From the pipeline's tail: Hummingbird's async channel decides whether to read, as it
            // does for every read from now on.
            context.channel.read()
        }
    }

    // MARK: Outbound (reads, Hummingbird's responses)

    /// Holds reads back while parts wait for Hummingbird: this handler keeps what one read brought
    /// in, however much more the client sends before Hummingbird is attached.
    func read(context: ChannelHandlerContext) {
        guard hummingbirdAttached || waitingForHummingbird.isEmpty else {
            readHeld = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            hummingbirdResponsesOpen = max(0, hummingbirdResponsesOpen - 1)
            if hummingbirdResponsesOpen == 0, let head = heldHead {
                heldHead = nil
                answer(head)
            }
        }
    }

    // MARK: Answering a stream request

    private func answer(_ head: HTTPRequest) {
        guard let context else { return }
        responder.respond(to: head, on: context.channel, interceptor: NIOLoopBound(self, eventLoop: context.eventLoop))
    }

    /// Writes the stream's response head and makes the connection the stream's: its frames go
    /// out through a ``StreamChunkHandler`` next to the socket (see ``PreparedStream``), and the
    /// HTTP handlers, which have nothing left to do on it, leave the pipeline — this one too, unless
    /// Hummingbird reads the connection (what a stream keeps in memory is what the stream needs).
    func startStream(_ head: HTTPResponse, writer: StreamWriter) {
        mode = .streaming
        decide(.stream)
        guard let context, context.channel.isActive else { return }
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let pipeline = context.pipeline.syncOperations
        try? StreamChunkHandler.attach(writer, to: pipeline)
        Self.removeHTTPHandlers(from: pipeline)
        // Behind Hummingbird's async channel, this handler keeps the client's bytes from reaching
        // it (they are no longer HTTP parts); otherwise the pipeline's tail drops them.
        if !hummingbirdAttached { pipeline.removeHandler(context: context, promise: nil) }
    }

    /// Takes out the handlers of HTTP requests and responses, in front of this one.
    private static func removeHTTPHandlers(from pipeline: ChannelPipeline.SynchronousOperations) {
        func remove<Handler: RemovableChannelHandler>(_ type: Handler.Type) {
            if let context = try? pipeline.context(handlerType: type) { pipeline.removeHandler(context: context, promise: nil) }
        }
        remove(ByteToMessageHandler<HTTPRequestDecoder>.self)
        remove(HTTPResponseEncoder.self)
        remove(HTTPVersionHandler.self)
        remove(HTTP1ToHTTPServerCodec.self)
        remove(IdleConnectionHandler.self)
        remove(HTTPConnectionStateHandler.self)
    }

    /// Writes a stream request's answer that is not a stream (an error), then serves the
    /// connection's next request as usual.
    func finishResponse(_ head: HTTPResponse, body: ByteBuffer, close: Bool) {
        guard let context else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        if close {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if case .answering(let endSeen) = mode { mode = endSeen ? .passing : .discardingRest }
        decide(.hummingbird)
    }

    private func decide(_ verdict: Verdict) {
        guard let promise = verdictPromise else { return }
        verdictPromise = nil
        promise.succeed(verdict)
    }
}
