import NIOCore

/// One SSE subscriber on one channel: sends the GET, reads the response with
/// ``SSEStreamParser`` and records every delivery in its loop's ``LoopStats``.
final class SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let index: Int
    private let request: ByteBuffer
    private let stats: LoopStats
    private let connected: EventLoopPromise<Void>
    private var parser = SSEStreamParser()
    private var isConnected = false
    private var settled = false

    init(index: Int, request: ByteBuffer, stats: LoopStats, connected: EventLoopPromise<Void>) {
        self.index = index
        self.request = request
        self.stats = stats
        self.connected = connected
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let stats = self.stats
        let index = self.index
        var now: UInt64 = 0
        buffer.withUnsafeReadableBytes { bytes in
            parser.feed(bytes) { sent, _ in
                if now == 0 { now = benchWallNanos() }
                stats.record(subscriber: index, sentNanos: sent, now: now)
            }
        }
        if !isConnected {
            switch parser.phase {
            case .head:
                break
            case .body, .finished:
                if parser.status == 200 {
                    isConnected = true
                    settle(nil)
                } else {
                    settle(BenchError("HTTP \(parser.status ?? 0)"))
                    context.close(promise: nil)
                }
            case .failed(let reason):
                settle(BenchError(reason))
                context.close(promise: nil)
            }
        }
        if isConnected {
            switch parser.phase {
            case .finished:
                stats.dropped("server ended the stream")
                isConnected = false
                context.close(promise: nil)
            case .failed(let reason):
                stats.dropped("unparsable stream: \(reason)")
                isConnected = false
                context.close(promise: nil)
            default:
                break
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !isConnected {
            settle(BenchError("connection closed before the response head"))
        } else if !stats.stopping {
            stats.dropped("connection closed by the server")
        }
        isConnected = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !isConnected { settle(error) }
        context.close(promise: nil)
    }

    private func settle(_ error: (any Error)?) {
        guard !settled else { return }
        settled = true
        if let error { connected.fail(error) } else { connected.succeed(()) }
    }
}

