import NIOCore

/// Gives each accepted connection a receive buffer sized for a request head rather than NIO's
/// default 2 KiB, then leaves the pipeline.
///
/// A channel keeps its last receive buffer for reuse for as long as it is open, and an SSE client
/// sends nothing after its request: with 10,000 streams the default is 20 MB held for nothing.
/// The allocator still grows (doubling per full read, up to 64 KiB) for large publish bodies.
final class SmallReceiveBuffers: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any

    /// The first read's size; a typical `GET /events` head fits.
    static let initialSize = 512

    func handlerAdded(context: ChannelHandlerContext) {
        // Runs while Hummingbird sets the pipeline up, before the first read.
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: Self.initialSize, maximum: 65536)
        try? context.channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: allocator)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
