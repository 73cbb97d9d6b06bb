import NIOCore

/// A pass-through handler next to the socket (first in the pipeline, below the HTTP encoder)
/// through which a live SSE stream writes its pre-framed chunks: one write per frame, no HTTP part
/// to box or re-frame per subscriber. It also tells the stream when the client goes away and when
/// the socket can take more (a replay is written as the socket drains).
///
/// Added and removed by its ``StreamWriter`` only, on the channel's event loop.
final class StreamChunkHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any
    typealias OutboundIn = Any
    typealias OutboundOut = IOData

    private var writer: StreamWriter?
    /// Whether the response is chunked (HTTP/1.1) or the bare body of an HTTP/1.0 response.
    private let chunked: Bool

    init(writer: StreamWriter, chunked: Bool) {
        self.writer = writer
        self.chunked = chunked
    }

    func handlerAdded(context: ChannelHandlerContext) {
        writer?.attached(context, chunked: chunked)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        let writer = self.writer
        self.writer = nil
        writer?.detach()
    }

    func channelInactive(context: ChannelHandlerContext) {
        context.fireChannelInactive()
        writer?.clientGone()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        writer?.writabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Hummingbird allows half-closure: a client that closes its side shows up as `inputClosed`.
        // Passed on first: ending the stream takes this handler out of the pipeline.
        context.fireUserInboundEventTriggered(event)
        if case .some(.inputClosed) = event as? ChannelEvent { writer?.clientGone() }
    }
}
