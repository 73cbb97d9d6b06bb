import NIOCore

/// A keep-alive publisher: sends `POST /publish` requests one after the other, each once the
/// previous one was answered, and counts the `2xx` answers in the ``ProbeTally``. Everything runs on
/// the probe's event loop, so the driver costs one task per batch, not one per request.
final class PublishProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let tally: ProbeTally
    private var context: ChannelHandlerContext?
    private var status = ByteMarker("HTTP/1.1 ")
    private var readingStatus = false
    private var remaining = 0
    /// Set before the connection is closed on purpose.
    var finished = false

    init(request: ByteBuffer, tally: ProbeTally) {
        self.request = request
        self.tally = tally
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `count` requests in turn. Call on the channel's event loop.
    func publish(_ count: Int) {
        guard count > 0, let context else { return }
        remaining = count - 1
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var accepted = 0
        var failed: UInt8?
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                if readingStatus {
                    readingStatus = false
                    if byte == UInt8(ascii: "2") { accepted += 1 } else { failed = byte }
                }
                if status.step(byte) { readingStatus = true }
            }
        }
        if let failed { return tally.fail("POST /publish answered \(Character(Unicode.Scalar(failed)))xx") }
        guard accepted > 0 else { return }
        tally.add(.accepted, accepted)
        if remaining > 0 {
            remaining -= 1
            context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished { tally.fail("the node closed the publishing connection") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        tally.fail("publishing failed: \(error)")
        context.close(promise: nil)
    }
}
