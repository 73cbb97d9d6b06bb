import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Answers a `GET /events` request taken by an ``EventsInterceptor``: runs it through the node's
/// router, so every middleware and the route's checks apply as to any request, then has the
/// interceptor write the answer: the head and a stream started from the ``StreamHandoff`` the
/// route filled, or an error response. The task it runs in ends once the stream is live.
///
/// One per node, shared by every connection's interceptor.
final class EventsResponder: Sendable {
    let router: RouterResponder<ChorusRequestContext>
    let serverName: String?
    let logger: Logger

    init(router: RouterResponder<ChorusRequestContext>, serverName: String?, logger: Logger) {
        self.router = router
        self.serverName = serverName
        self.logger = logger
    }

    func respond(to head: HTTPRequest, on channel: any Channel, interceptor: NIOLoopBound<EventsInterceptor>) {
        Task { await answer(head, on: channel, interceptor: interceptor) }
    }

    private func answer(_ head: HTTPRequest, on channel: any Channel, interceptor: NIOLoopBound<EventsInterceptor>) async {
        let handoff = StreamHandoff()
        var context = ChorusRequestContext(source: .init(channel: channel, logger: logger))
        context.streamHandoff = handoff
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        var response: Response
        do {
            response = try await router.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = (try? error.response(from: request, context: context)) ?? Response(status: .internalServerError)
        } catch {
            logger.debug("unrecognised error answering a stream request", metadata: ["chorus.error": "\(error)"])
            response = Response(status: .internalServerError)
        }
        response.headers[.date] = HTTPDate.now()
        if let serverName { response.headers[.server] = serverName }

        if let stream = handoff.take() {
            if response.status == .ok {
                var head = response.head
                // Hummingbird gives an empty body a length; a stream has none (it is chunked).
                head.headerFields[.contentLength] = nil
                let writer = stream.connection.writer
                let written: Void? = try? await channel.eventLoop.submit { interceptor.value.startStream(head, writer: writer.value) }.get()
                guard written != nil else { return await stream.abandon() }
                return await stream.start()
            }
            await stream.abandon()
        }
        let collector = BodyCollector()
        do {
            try await response.body.write(collector)
        } catch {
            logger.debug("could not produce a stream request's error body", metadata: ["chorus.error": "\(error)"])
        }
        var responseHead = response.head
        let body = collector.buffer
        responseHead.headerFields[.contentLength] = "\(body.readableBytes)"
        let close = head.headerFields[.connection]?.lowercased() == "close"
        if close { responseHead.headerFields[.connection] = "close" }
        channel.eventLoop.execute { [responseHead] in interceptor.value.finishResponse(responseHead, body: body, close: close) }
    }
}

/// Gathers a response body written through Hummingbird's `ResponseBodyWriter`.
private final class BodyCollector: ResponseBodyWriter {
    private(set) var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
