import DequeModule
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers HTTP/1.0 clients in HTTP/1.0.
///
/// Hummingbird's codec answers every request as HTTP/1.1, so a response without a length (an SSE
/// stream) would go out chunked, which an HTTP/1.0 client cannot read. This handler sits between
/// NIO's HTTP/1 codec and Hummingbird's, remembers each request's version, and gives the matching
/// response head the request's version and `Connection: close`: NIO's encoder then writes the body
/// bare, and the end of the connection ends it (RFC 9112 §6.3).
final class HTTPVersionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The versions of the requests not answered yet, oldest first (requests may be pipelined).
    private var versions: Deque<HTTPVersion> = []
    /// Whether the response being written answers an HTTP/1.0 request (its body is written bare).
    private(set) var respondingToHTTP10 = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { versions.append(head.version) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            let version = versions.popFirst() ?? .http1_1
            respondingToHTTP10 = version.major == 1 && version.minor == 0
            guard respondingToHTTP10 else { return context.write(data, promise: promise) }
            head.version = version
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where respondingToHTTP10:
            respondingToHTTP10 = false
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.whenComplete { _ in context.close(promise: nil) }
            context.write(data, promise: written)
        default:
            context.write(data, promise: promise)
        }
    }

    /// Puts an ``HTTPVersionHandler`` in front of Hummingbird's codec, then leaves once the
    /// connection is active. Given to Hummingbird as an additional channel handler, which it adds
    /// after its codec.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = Any

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let codec = try? pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self) {
                try? pipeline.addHandler(HTTPVersionHandler(), position: .before(codec.handler))
            }
        }

        func channelActive(context: ChannelHandlerContext) {
            context.fireChannelActive()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
