import DequeModule
import NIOCore
import NIOHTTP1

/// One publish request on a keep-alive connection, answered with the response's status code.
struct PublishRequest: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer
    let status: EventLoopPromise<Int>
}

/// Turns ``PublishRequest``s into HTTP/1.1 requests and completes each one's promise with its
/// response status, in order (HTTP/1.1 answers in request order, so pipelining is safe).
final class PublishHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = PublishRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var waiting = Deque<EventLoopPromise<Int>>()
    private var status = 0

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        waiting.append(request.status)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body:
            break
        case .end:
            waiting.popFirst()?.succeed(status)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(BenchError("publish connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let promise = waiting.popFirst() { promise.fail(error) }
    }
}
