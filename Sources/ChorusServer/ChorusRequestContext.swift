import Hummingbird
import NIOCore

/// The request context of a Chorus node: Hummingbird's core storage plus the connection's channel,
/// so an SSE stream whose client reads too slowly can be cut off at once.
public struct ChorusRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The TCP channel the request arrived on.
    public let channel: any Channel
    /// Where the `/events` route leaves the stream it accepted (set for requests taken by the
    /// ``EventsInterceptor``, which serves streams).
    var streamHandoff: StreamHandoff?

    /// Creates the context for a request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
