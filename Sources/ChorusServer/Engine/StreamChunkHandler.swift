import NIOCore

/// A pass-through handler next to the socket (first in the pipeline, below the HTTP encoder)
/// through which a live SSE stream writes its pre-framed chunks: one write per frame, no HTTP part
/// to box or re-frame per subscriber. It also tells the stream when the client goes away and when
/// the socket can take more (a replay is written as the socket drains).
///
/// Added by ``attach(_:to:)`` once the stream's response head is written, and removed by its
/// ``StreamWriter``, on the channel's event loop.
final class StreamChunkHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any
    typealias OutboundIn = Any
    typealias OutboundOut = IOData

    private var writer: StreamWriter?
    /// Whether the response is chunked (HTTP/1.1) or the bare body of an HTTP/1.0 response.
    private let chunked: Bool

    private init(writer: StreamWriter, chunked: Bool) {
        self.writer = writer
        self.chunked = chunked
    }

    /// Puts `writer`'s chunk handler first in an HTTP/1 connection's pipeline (next to the socket).
    /// The response is chunked (Hummingbird answers as HTTP/1.1, and an SSE response has no
    /// length), except to an HTTP/1.0 client (see ``HTTPVersionHandler``), which gets the bare
    /// frames and the end of the connection as the end of the stream.
    ///
    /// Call it after the response head is written, before the HTTP handlers leave the pipeline
    /// (the HTTP version is read from them).
    static func attach(_ writer: StreamWriter, to pipeline: ChannelPipeline.SynchronousOperations) throws {
        let http10 = (try? pipeline.handler(type: HTTPVersionHandler.self))?.respondingToHTTP10 ?? false
        try pipeline.addHandler(StreamChunkHandler(writer: writer, chunked: !http10), position: .first)
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
