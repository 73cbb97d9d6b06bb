import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Answers a request taken by an ``EventsInterceptor`` (`GET /events`, `POST /publish`): runs it
/// through the node's router, so every middleware and the route's checks apply as to any request,
/// then has the interceptor write the answer: for a stream, the head and a stream started from the
/// ``StreamHandoff`` the route filled; otherwise the response, whole. The task it runs in ends once
/// the stream is live, or the response is handed to the interceptor.
///
/// One per node, shared by every connection's interceptor.
final class EventsResponder: Sendable {
    let router: RouterResponder<ChorusRequestContext>
    let serverName: String?
    /// The largest publish body: the interceptor gathers at most one read more before answering
    /// (and the route answers `413` to more than this).
    let maximumPublishBytes: Int
    let logger: Logger

    init(router: RouterResponder<ChorusRequestContext>, serverName: String?, maximumPublishBytes: Int, logger: Logger) {
        self.router = router
        self.serverName = serverName
        self.maximumPublishBytes = maximumPublishBytes
        self.logger = logger
    }

    /// Answers a stream request.
    func respondToStream(_ head: HTTPRequest, on channel: any Channel, interceptor: NIOLoopBound<EventsInterceptor>) {
        Task { await answerStream(head, on: channel, interceptor: interceptor) }
    }

    /// Answers a publish, with its body, in a task on `executor` (the connection's loop): a
    /// publish's own work is short and never blocks, and so it crosses threads only to the bus and
    /// back (see ``LoopTaskExecutor``).
    func respondToPublish(_ head: HTTPRequest, body: ByteBuffer, on channel: any Channel, executor: LoopTaskExecutor, interceptor: NIOLoopBound<EventsInterceptor>) {
        Task(executorPreference: executor) { await self.answerPublish(head, body: body, on: channel, interceptor: interceptor) }
    }

    private func answerStream(_ head: HTTPRequest, on channel: any Channel, interceptor: NIOLoopBound<EventsInterceptor>) async {
        let handoff = StreamHandoff()
        var context = ChorusRequestContext(source: .init(channel: channel, logger: logger))
        context.streamHandoff = handoff
        let response = await route(Request(head: head, body: RequestBody(buffer: ByteBuffer())), context: context)

        if let stream = handoff.take() {
            if response.status == .ok {
                var head = response.head
                // Hummingbird gives an empty body a length; a stream has none (it is chunked).
                head.headerFields[.contentLength] = nil
                let writer = stream.connection.writer
                let written: Void? = try? await channel.eventLoop.submit { [head] in interceptor.value.startStream(head, writer: writer.value) }.get()
                guard written != nil else { return await stream.abandon() }
                return await stream.start()
            }
            await stream.abandon()
        }
        await finish(head, response, on: channel, interceptor: interceptor)
    }

    private func answerPublish(_ head: HTTPRequest, body: ByteBuffer, on channel: any Channel, interceptor: NIOLoopBound<EventsInterceptor>) async {
        let context = ChorusRequestContext(source: .init(channel: channel, logger: logger))
        let response = await route(Request(head: head, body: RequestBody(buffer: body)), context: context)
        await finish(head, response, on: channel, interceptor: interceptor)
    }

    /// The router's response to `request`, as Hummingbird's application makes it: an error
    /// answered as it says, dated, with the server's name.
    private func route(_ request: Request, context: ChorusRequestContext) async -> Response {
        var response: Response
        do {
            response = try await router.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = (try? error.response(from: request, context: context)) ?? Response(status: .internalServerError)
        } catch {
            logger.debug("unrecognised error answering a request", metadata: ["chorus.error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        response.headers[.date] = HTTPDate.now()
        if let serverName { response.headers[.server] = serverName }
        return response
    }

    /// Has the interceptor write `response` whole, with its length.
    private func finish(_ head: HTTPRequest, _ response: Response, on channel: any Channel, interceptor: NIOLoopBound<EventsInterceptor>) async {
        let collector = BodyCollector()
        do {
            try await response.body.write(collector)
        } catch {
            logger.debug("could not produce a response body", metadata: ["chorus.error": "\(error)"])
        }
        var responseHead = response.head
        let body = collector.buffer
        responseHead.headerFields[.contentLength] = "\(body.readableBytes)"
        let close = head.headerFields[.connection]?.lowercased() == "close"
        if close { responseHead.headerFields[.connection] = "close" }
        if channel.eventLoop.inEventLoop {
            interceptor.value.finishResponse(responseHead, body: body, close: close)
        } else {
            channel.eventLoop.execute { [responseHead] in interceptor.value.finishResponse(responseHead, body: body, close: close) }
        }
    }
}

/// Gathers a response body written through Hummingbird's `ResponseBodyWriter`.
private final class BodyCollector: ResponseBodyWriter {
    private(set) var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        guard self.buffer.readableBytes > 0 else {
            // The usual case, one buffer: kept as it is.
            self.buffer = buffer
            return
        }
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
