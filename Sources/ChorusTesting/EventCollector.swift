import ChorusClient
import ChorusCore
import Synchronization

/// Reads an ``EventStream`` in the background and keeps everything it got, so a test can wait for
/// "the third event" with ``eventually(timeout:poll:_:)`` instead of sleeping.
public final class EventCollector: Sendable {
    private struct State {
        var events: [SSEParser.Event] = []
        var finished = false
    }

    private final class Box: Sendable {
        let state = Mutex(State())
    }

    /// The stream being read.
    public let stream: EventStream
    private let box = Box()

    /// Starts reading `stream`.
    public init(_ stream: EventStream) {
        self.stream = stream
        Task { [box] in
            // A failed connection ends the stream like a server close; tests look at the events.
            do {
                for try await event in stream.events {
                    box.state.withLock { $0.events.append(event) }
                }
            } catch {}
            box.state.withLock { $0.finished = true }
        }
    }

    /// Every event received so far, in order.
    public var events: [SSEParser.Event] { box.state.withLock { $0.events } }
    /// The events of type `message` or any other type except Chorus's own `close`/`reset`.
    public func events(ofType type: String) -> [SSEParser.Event] { events.filter { $0.type == type } }
    /// The data of every event received so far.
    public var data: [String] { events.map(\.data) }
    /// Whether the server ended the stream (or the connection failed).
    public var isFinished: Bool { box.state.withLock { $0.finished } }

    /// Waits until at least `count` events arrived; returns them (all, in order) or `nil` on timeout.
    public func waitFor(count: Int, timeout: Duration = .seconds(10)) async -> [SSEParser.Event]? {
        let ok = await eventually(timeout: timeout) { self.events.count >= count }
        return ok ? events : nil
    }

    /// Waits until the stream ends; returns whether it did within `timeout`.
    public func waitForEnd(timeout: Duration = .seconds(10)) async -> Bool {
        await eventually(timeout: timeout) { self.isFinished }
    }

    /// Closes the connection.
    public func close() {
        stream.close()
    }
}
