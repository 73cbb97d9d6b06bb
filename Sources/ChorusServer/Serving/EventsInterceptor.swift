import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Serves `GET /events` and `POST /publish` below Hummingbird's request loop: an open stream is a
/// few small objects on its connection's event loop and no task, and a publish costs no trip
/// through Hummingbird's per-connection task and async channel.
///
/// Last in a connection's pipeline, after Hummingbird's HTTP/1 codec and connection-state handler
/// (which so still see every request and response: idle timeouts and quiescing work as before).
/// A `GET /events` head, or a `POST /publish` head and body (gathered here, at most one read
/// beyond the publish size limit), is taken here: the request runs through the node's router (with
/// its middleware) in a task that ends once the stream is live or the response is ready
/// (``EventsResponder``), and the response is written from here. Every other request goes on to
/// Hummingbird's `NIOAsyncChannel`, which ``ChorusHTTP1Channel`` adds only when the connection
/// first needs it: a connection that only streams or publishes never gets Hummingbird's
/// per-connection task at all (``verdict``).
///
/// Requests are answered in order: a request taken here that arrives while Hummingbird still
/// answers an earlier one waits for that response's end, and what arrives while a publish is
/// answered waits for its answer (the connection is not read further meanwhile). Once a stream runs, the
/// connection carries nothing else: what the client sends is dropped, and the stream's writer
/// closes the connection when the stream ends.
final class EventsInterceptor: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Who reads the connection after the first request that is neither a stream nor a publish.
    enum Verdict: Sendable {
        /// A stream runs on it: nobody.
        case stream
        /// Hummingbird's request loop.
        case hummingbird
        /// It closed first.
        case closed
    }

    private enum Mode {
        /// Requests go to Hummingbird, except streams and publishes.
        case passing
        /// A publish's body is arriving (into `publishBody`).
        case collecting(HTTPRequest)
        /// A publish is being answered; `endSeen` once its `.end` part has arrived. Until then
        /// what arrives is the rest of a body too large to publish, dropped; after it, what
        /// arrives waits in `queued`, and the connection is not read further.
        case publishing(endSeen: Bool)
        /// A stream request is being answered; `endSeen` once its `.end` part has arrived.
        case answering(endSeen: Bool)
        /// Its answer was written before its `.end`; its remaining parts are dropped until then.
        case discardingRest
        /// The connection is a stream's.
        case streaming
    }

    /// What arrives from the client, as passed on to Hummingbird (kept in order while it waits).
    private enum Inbound {
        case part(HTTPRequestPart)
        /// The HTTP decoder's error: Hummingbird answers `400` and closes.
        case error(any Error)
        /// The client has sent all it will.
        case inputClosed
    }

    private let responder: EventsResponder
    private var verdictPromise: EventLoopPromise<Verdict>?
    private var mode = Mode.passing
    private var context: ChannelHandlerContext?
    /// Whether Hummingbird's `NIOAsyncChannel` follows this handler.
    private var hummingbirdAttached = false
    /// What arrived for Hummingbird before it was attached.
    private var waitingForHummingbird: [Inbound] = []
    /// Whether a read was asked for while reads are paused (``readsPaused``), and held back.
    private var readHeld = false
    /// Requests passed to Hummingbird whose responses have not ended.
    private var hummingbirdResponsesOpen = 0
    /// A request taken here (a stream's, without body; a publish, with its body) waiting for
    /// Hummingbird's earlier responses to end.
    private var held: (head: HTTPRequest, body: ByteBuffer?)?
    /// The body of the publish being collected.
    private var publishBody: PublishBody
    /// What arrived after a publish, while it is answered.
    private var queued: [Inbound] = []
    /// Where a publish's task runs: this connection's loop (made once per connection).
    private var publishExecutor: LoopTaskExecutor?

    init(responder: EventsResponder, verdict: EventLoopPromise<Verdict>) {
        self.responder = responder
        self.verdictPromise = verdict
        publishBody = PublishBody(limit: responder.maximumPublishBytes)
    }

    /// Whether the connection is not read for now: what arrived waits for a publish's answer, or
    /// for Hummingbird to be attached. Either way this handler keeps what one read brought in,
    /// however much more the client sends. (While a publish is answered with nothing after it,
    /// reads go on: pausing them would cost two `epoll_ctl` calls per publish.)
    private var readsPaused: Bool {
        if !queued.isEmpty { return true }
        return !hummingbirdAttached && !waitingForHummingbird.isEmpty
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
        receive(.part(unwrapInboundIn(data)), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if hummingbirdAttached { context.fireChannelReadComplete() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        receive(.error(error), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .some(.inputClosed) = event as? ChannelEvent else { return context.fireUserInboundEventTriggered(event) }
        receive(.inputClosed, context: context)
    }

    /// Takes what arrived as the connection's state says.
    private func receive(_ inbound: Inbound, context: ChannelHandlerContext) {
        switch (mode, inbound) {
        case (.streaming, .part):
            return
        case (.streaming, _), (.answering, .error), (.answering, .inputClosed):
            // As it would go without this handler (after a stream, nobody reads the connection).
            forward(inbound, context: context)
        case (.answering(let endSeen), .part(let part)):
            if case .end = part, !endSeen { mode = .answering(endSeen: true) }
        case (.discardingRest, .part(let part)):
            if case .end = part { mode = .passing }
        case (.collecting(let head), .part(let part)):
            collect(part, of: head)
        case (.publishing(let endSeen), _):
            guard !endSeen else { return queued.append(inbound) }
            if case .part(let part) = inbound {
                if case .end = part { mode = .publishing(endSeen: true) }
                return
            }
            queued.append(inbound)
        case (.discardingRest, _), (.collecting, _):
            // The request is cut short (a malformed body, or the client stopped sending): it is
            // not answered, and Hummingbird says why or closes, as it would have.
            mode = .passing
            publishBody.discard()
            receive(inbound, context: context)
        case (.passing, .part(let part)):
            if case .head(let head) = part {
                switch InterceptedRequest(head) {
                case .stream:
                    mode = .answering(endSeen: false)
                    if hummingbirdResponsesOpen == 0 { answer(head, body: nil) } else { held = (head, nil) }
                    return
                case .publish:
                    mode = .collecting(head)
                    return
                case nil:
                    hummingbirdResponsesOpen += 1
                }
            }
            toHummingbird(inbound, context: context)
        case (.passing, .inputClosed) where !hummingbirdAttached && waitingForHummingbird.isEmpty:
            // The client is done and nothing it asked for is left: nobody will answer on this
            // connection any more.
            // (As Hummingbird's request loop does then, what is still unwritten is dropped.)
            decide(.closed)
            context.close(promise: nil)
        case (.passing, _):
            toHummingbird(inbound, context: context)
        }
    }

    /// Adds a part of a publish's body; answers once it is whole, or as soon as it is too large
    /// (the route answers `413` to the first bytes beyond the limit; the rest is dropped).
    private func collect(_ part: HTTPRequestPart, of head: HTTPRequest) {
        switch part {
        case .head:
            // The HTTP decoder ends a request before the next begins.
            return
        case .body(let chunk):
            guard let tooLarge = publishBody.append(chunk) else { return }
            mode = .publishing(endSeen: false)
            startPublish(head, body: tooLarge)
        case .end:
            mode = .publishing(endSeen: true)
            startPublish(head, body: publishBody.finish())
        }
    }

    private func startPublish(_ head: HTTPRequest, body: ByteBuffer) {
        if hummingbirdResponsesOpen == 0 { answer(head, body: body) } else { held = (head, body) }
    }

    /// Passes `inbound` on to Hummingbird, or keeps it for Hummingbird and has it attached.
    private func toHummingbird(_ inbound: Inbound, context: ChannelHandlerContext) {
        guard hummingbirdAttached else {
            waitingForHummingbird.append(inbound)
            decide(.hummingbird)
            return
        }
        forward(inbound, context: context)
    }

    private func forward(_ inbound: Inbound, context: ChannelHandlerContext) {
        switch inbound {
        case .part(let part): context.fireChannelRead(wrapInboundOut(part))
        case .error(let error): context.fireErrorCaught(error)
        case .inputClosed: context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    /// Called on the event loop once Hummingbird's `NIOAsyncChannel` is in the pipeline after
    /// this handler: passes on what arrived for it meanwhile, then lets the connection be read again.
    func attachedHummingbird() {
        hummingbirdAttached = true
        guard let context else { return }
        if !waitingForHummingbird.isEmpty {
            let waiting = waitingForHummingbird
            waitingForHummingbird = []
            for inbound in waiting { forward(inbound, context: context) }
            context.fireChannelReadComplete()
        }
        if readHeld, !readsPaused {
            readHeld = false
            // From the pipeline's tail: Hummingbird's async channel decides whether to read, as it
            // does for every read from now on.
            context.channel.read()
        }
    }

    // MARK: Outbound (reads, Hummingbird's responses)

    /// Holds reads back while ``readsPaused``.
    func read(context: ChannelHandlerContext) {
        guard !readsPaused else {
            readHeld = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            hummingbirdResponsesOpen = max(0, hummingbirdResponsesOpen - 1)
            if hummingbirdResponsesOpen == 0, let (head, body) = held {
                held = nil
                answer(head, body: body)
            }
        }
    }

    // MARK: Answering a stream or a publish

    private func answer(_ head: HTTPRequest, body: ByteBuffer?) {
        guard let context else { return }
        let interceptor = NIOLoopBound(self, eventLoop: context.eventLoop)
        guard let body else {
            return responder.respondToStream(head, on: context.channel, interceptor: interceptor)
        }
        let executor = publishExecutor ?? LoopTaskExecutor(context.eventLoop)
        publishExecutor = executor
        responder.respondToPublish(head, body: body, on: context.channel, executor: executor, interceptor: interceptor)
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

    /// Writes the answer to a publish, or to a stream request that is not a stream (an error),
    /// then serves the connection's next request as usual.
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
        switch mode {
        case .answering(let endSeen):
            mode = endSeen ? .passing : .discardingRest
            decide(.hummingbird)
        case .publishing(let endSeen):
            mode = endSeen ? .passing : .discardingRest
            takeQueued(context: context)
        default:
            break
        }
    }

    /// Takes what arrived while a publish was answered, then reads on unless that paused reads again.
    private func takeQueued(context: ChannelHandlerContext) {
        if !queued.isEmpty {
            let inbound = queued
            queued = []
            for item in inbound { receive(item, context: context) }
            if hummingbirdAttached { context.fireChannelReadComplete() }
        }
        if readHeld, !readsPaused {
            readHeld = false
            context.read()
        }
    }

    private func decide(_ verdict: Verdict) {
        guard let promise = verdictPromise else { return }
        verdictPromise = nil
        promise.succeed(verdict)
    }
}
