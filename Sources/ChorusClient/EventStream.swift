import ChorusCore
import NIOCore
import NIOHTTP1
import Synchronization

/// An open `text/event-stream` response, parsed as a browser would parse it.
///
/// Events arrive on ``events``; ``close()`` ends the connection (the server sees the client go).
public final class EventStream: Sendable {
    /// The response status.
    public let status: Int
    /// The response headers.
    public let headers: HTTPHeaders
    /// The events, in order. Finishes when the server ends the stream or ``close()`` is called.
    public let events: AsyncThrowingStream<SSEParser.Event, any Error>

    private let counters: StreamCounters
    private let channel: any Channel
    private let reader: Task<Void, Never>

    init(
        status: Int,
        headers: HTTPHeaders,
        events: AsyncThrowingStream<SSEParser.Event, any Error>,
        counters: StreamCounters,
        channel: any Channel,
        reader: Task<Void, Never>
    ) {
        self.status = status
        self.headers = headers
        self.events = events
        self.counters = counters
        self.channel = channel
        self.reader = reader
    }

    /// Comment lines (heartbeats) received so far.
    public var comments: Int { counters.state.withLock { $0.comments } }
    /// The last `retry:` value received, in milliseconds.
    public var retry: Int? { counters.state.withLock { $0.retry } }
    /// Body bytes received so far.
    public var bytesReceived: Int { counters.state.withLock { $0.bytes } }

    /// Closes the connection.
    public func close() {
        channel.close(promise: nil)
        reader.cancel()
    }

    deinit {
        channel.close(promise: nil)
    }
}

/// What the reader task learns about a stream besides its events; shared with ``EventStream``.
final class StreamCounters: Sendable {
    struct State {
        var comments = 0
        var retry: Int?
        var bytes = 0
    }
    let state = Mutex(State())

    func record(parser: SSEParser, bytes: Int) {
        state.withLock {
            $0.comments = parser.comments
            $0.retry = parser.retry
            $0.bytes += bytes
        }
    }
}
