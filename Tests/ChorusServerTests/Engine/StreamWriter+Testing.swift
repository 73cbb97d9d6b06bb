import ChorusCore
import NIOCore

@testable import ChorusServer

/// Waits for a stream's end the way a test can: its end observer resumes a continuation.
private final class EndWaiter: StreamEndObserver {
    let continuation: CheckedContinuation<StreamEnd, Never>
    init(_ continuation: CheckedContinuation<StreamEnd, Never>) { self.continuation = continuation }
    func streamEnded(_ end: StreamEnd) { continuation.resume(returning: end) }
}

extension NIOLoopBoundBox where Value == StreamWriter {
    /// Goes live and returns when the stream ends.
    func goLive(after lastEventID: EventID?) async -> StreamEnd {
        await withCheckedContinuation { continuation in goLive(after: lastEventID, then: EndWaiter(continuation)) }
    }
}
