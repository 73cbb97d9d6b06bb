import ChorusCore
import NIOCore

/// The entry points of a stream's writer for any thread (the stream's start, the Hub's callers):
/// each hops to the writer's event loop and reaches the writer there, through the box's checked
/// ``NIOLoopBoundBox/value``.
extension NIOLoopBoundBox where Value == StreamWriter {
    /// Writes `frames` (the `retry:` line, the first replay page) through the stream's chunk
    /// handler, which ``StreamChunkHandler/attach(_:to:)`` put in the pipeline with the response
    /// head; also when the stream was closed meanwhile with a close event (which follows them).
    /// Returns `false` if there is nothing more to write before ``goLive(after:then:)``: the client
    /// left (or no chunk handler was attached), or the stream is being closed.
    func begin(_ frames: [ByteBuffer]) async -> Bool {
        await withCheckedContinuation { continuation in
            eventLoop.execute { self.value.beginOnLoop(frames, continuation) }
        }
    }

    /// Writes one more page of the replay, and returns once the socket has room for the next one:
    /// `true` to go on, `false` once the stream is over or is being closed.
    func continueReplay(_ frames: [ByteBuffer]) async -> Bool {
        await withCheckedContinuation { continuation in
            eventLoop.execute { self.value.writePage(frames, continuation) }
        }
    }

    /// Writes what was delivered meanwhile that is newer than `lastEventID`, then goes live.
    /// `observer` is told when the stream ends (at once if it already has); nothing waits for it.
    func goLive(after lastEventID: EventID?, then observer: any StreamEndObserver) {
        eventLoop.execute { self.value.goLiveOnLoop(after: lastEventID, then: observer) }
    }

    /// Ends the stream in an orderly way: a close event first if the reason has one.
    func close(_ reason: CloseReason) {
        if eventLoop.inEventLoop {
            value.closeOnLoop(reason)
        } else {
            eventLoop.execute { self.value.closeOnLoop(reason) }
        }
    }
}
