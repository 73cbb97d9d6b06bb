import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Tells ``IdleConnections`` when its connection waits for a request head: from when it opens
/// until a head arrives, and again after each response has ended with nothing else in progress.
/// A stream's response does not end while it runs, so open streams never count as waiting.
final class IdleConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let connections: IdleConnections
    /// Requests read whose response has not ended yet.
    private var inProgress = 0

    init(connections: IdleConnections) {
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { connections.startWaiting(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        connections.startWaiting(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connections.stopWaiting(context.channel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connections.stopWaiting(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            inProgress += 1
            connections.stopWaiting(context.channel)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inProgress = max(0, inProgress - 1)
            if inProgress == 0 && context.channel.isActive { connections.startWaiting(context.channel) }
        }
        context.write(data, promise: promise)
    }
}
