import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with SSE streams and publishes served below its request loop.
///
/// The pipeline is Hummingbird's (`HTTP1Channel`: NIO's HTTP/1 codec, the HTTP types codec, the
/// additional handlers, the connection-state handler) followed by an ``EventsInterceptor``.
/// Hummingbird's `NIOAsyncChannel`, and the task that reads it for the connection's whole life,
/// are added only once a request for Hummingbird arrives: an `EventSource` connection, whose
/// first and only request is its stream, never has one, nor does a publisher's.
struct ChorusHTTP1Channel: ServerChildChannel {
    /// A connection, and the future that says who reads it once its first request for Hummingbird
    /// (or a stream's) has arrived.
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        let verdict: EventLoopFuture<EventsInterceptor.Verdict>
    }

    /// Hummingbird's own channel: its configuration and its request loop.
    let http1: HTTP1Channel
    let events: EventsResponder

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let configuration = http1.configuration
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            // As `HTTP1Channel.setup`, less the `NIOAsyncChannel` (see `handle`).
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,
                withErrorHandling: false,
                withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits
            )
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .nanoseconds($0.nanoseconds) }, logger: logger))
            let verdict = channel.eventLoop.makePromise(of: EventsInterceptor.Verdict.self)
            try pipeline.addHandler(EventsInterceptor(responder: events, verdict: verdict))
            return Value(channel: channel, verdict: verdict.futureResult)
        }
    }

    func handle(value: Value, logger: Logger) async {
        guard (try? await value.verdict.get()) == .hummingbird else { return }
        let channel = value.channel
        let wrapped = try? await channel.eventLoop.submit { () throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>? in
            // A connection that already closed would never tell the async channel so.
            guard channel.isActive else { return nil }
            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: channel,
                configuration: .init(isOutboundHalfClosureEnabled: true)
            )
            try channel.pipeline.syncOperations.handler(type: EventsInterceptor.self).attachedHummingbird()
            return asyncChannel
        }.get()
        guard let asyncChannel = wrapped ?? nil else { return }
        await http1.handle(value: asyncChannel, logger: logger)
    }
}
