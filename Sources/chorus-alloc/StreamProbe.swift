import NIOCore

/// One raw SSE subscriber: sends its `GET /events` and counts, in the ``ProbeTally``, the stream's
/// `retry:` line and every event's `data:` line. A status other than `200` or a stream that ends
/// while not being closed on purpose is a failure.
final class StreamProbe: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let request: ByteBuffer
    private let tally: ProbeTally
    private let onOpened: () -> Void
    private var status = ByteMarker("HTTP/1.1 ")
    private var retry = ByteMarker("\nretry:")
    private var data = ByteMarker("\ndata:")
    private var readingStatus = false

    init(request: ByteBuffer, tally: ProbeTally, onOpened: @escaping () -> Void) {
        self.request = request
        self.tally = tally
        self.onOpened = onOpened
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data bytes: NIOAny) {
        let buffer = unwrapInboundIn(bytes)
        var opened = 0
        var delivered = 0
        var failed: UInt8?
        buffer.withUnsafeReadableBytes { bytes in
            for byte in bytes {
                if readingStatus {
                    readingStatus = false
                    if byte != UInt8(ascii: "2") { failed = byte }
                }
                if status.step(byte) { readingStatus = true }
                if retry.step(byte) { opened += 1 }
                if data.step(byte) { delivered += 1 }
            }
        }
        if let failed { tally.fail("GET /events answered \(Character(Unicode.Scalar(failed)))xx") }
        if delivered > 0 { tally.add(.delivered, delivered) }
        if opened > 0 {
            tally.add(.opened, opened)
            onOpened()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !tally.closingStreams { tally.fail("the node ended a stream") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        tally.fail("a stream failed: \(error)")
        context.close(promise: nil)
    }
}
