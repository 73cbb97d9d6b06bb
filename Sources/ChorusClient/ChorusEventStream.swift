import AsyncHTTPClient
import ChorusCore
import NIOCore
import NIOHTTP1
import Synchronization

/// An open event stream of a node: its events, parsed as a browser's `EventSource` parses them
/// (through ``SSEParser``), as an `AsyncSequence` of ``ServerSentEvent``.
///
/// Iterate it once. Comments (heartbeats) are skipped; an event's ``ServerSentEvent/id`` is the
/// last event id in force, as `EventSource` reports it. Leaving the loop (or cancelling the task)
/// closes the connection.
public struct ChorusEventStream: AsyncSequence, Sendable {
    /// The events.
    public typealias Element = ServerSentEvent

    /// The response headers.
    public let headers: HTTPHeaders
    private let body: HTTPClientResponse.Body
    private let progress: Progress
    private let host: String

    init(response: HTTPClientResponse, startingAfter lastEventID: String, host: String) {
        headers = response.headers
        body = response.body
        progress = Progress(lastEventID: lastEventID)
        self.host = host
    }

    /// The last event id the stream set so far: pass it as `lastEventID` to resume after a break.
    public var lastEventID: String { progress.state.withLock { $0.lastEventID } }
    /// The last `retry:` the node sent, in milliseconds: how long a browser would wait to reconnect.
    public var retry: Int? { progress.state.withLock { $0.retry } }

    /// Makes the iterator (once).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator(), progress: progress, host: host)
    }

    /// Reads the body and hands out its events one at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        let progress: Progress
        let host: String
        var parser = SSEParser()
        var pending: [ServerSentEvent] = []
        var index = 0

        /// The next event; `nil` when the node ended the stream. Throws a ``ChorusError`` with code
        /// ``ChorusError/Code/outcomeUnknown`` when the connection breaks.
        public mutating func next() async throws -> ServerSentEvent? {
            while index == pending.count {
                pending.removeAll(keepingCapacity: true)
                index = 0
                let buffer: ByteBuffer?
                do {
                    buffer = try await body.next()
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    throw ChorusClient.transportError(error, host: host)
                }
                guard let buffer else { return nil }
                for event in parser.feed(buffer.readableBytesView) {
                    pending.append(ServerSentEvent(id: event.lastEventID.isEmpty ? nil : event.lastEventID, event: event.type, data: event.data))
                }
                progress.record(parser)
            }
            defer { index += 1 }
            return pending[index]
        }
    }

    /// What the iterator has learned, readable from the stream while it is iterated elsewhere.
    final class Progress: Sendable {
        struct State {
            var lastEventID: String
            var retry: Int?
        }
        let state: Mutex<State>

        init(lastEventID: String) {
            state = Mutex(State(lastEventID: lastEventID))
        }

        func record(_ parser: SSEParser) {
            state.withLock {
                if !parser.lastEventID.isEmpty { $0.lastEventID = parser.lastEventID }
                $0.retry = parser.retry ?? $0.retry
            }
        }
    }
}
