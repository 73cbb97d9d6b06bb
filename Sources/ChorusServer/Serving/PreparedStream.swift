import ChorusCore
import Logging
import NIOCore

/// A stream the `/events` route accepted: registered with the Hub (so live events already queue
/// for it) and in presence, with its first frames (the `retry:` line and the replay's first page)
/// ready. ``start()`` writes them and the rest of the replay, then leaves the stream live
/// on its event loop.
struct PreparedStream: Sendable {
    let connection: Connection
    let lease: StreamLease
    let initial: [ByteBuffer]
    let position: ReplayPosition
    let bus: any Bus
    let frames: ReplayFrames
    let metrics: ChorusMetrics
    let logger: Logger

    /// Runs once the response head is written: the replay, page by page (each once the socket has
    /// taken the one before), then live. Returns when the stream is live (or already over); its
    /// end is handled by a ``StreamEpilogue``.
    func start() async {
        logger.debug("stream opened", metadata: ["chorus.conn": "\(connection.id)"])
        metrics.streams.opened()
        let epilogue = StreamEpilogue(lease: lease)
        let writer = connection.writer
        var position = self.position
        guard await writer.begin(initial) else { return writer.goLive(after: position.lastSent, then: epilogue) }
        while let after = position.next {
            let replay: Replay
            do {
                replay = try await bus.replay(after: after, limit: position.limit)
            } catch {
                logger.warning("the history became unavailable during a replay", metadata: ["chorus.conn": "\(connection.id)", "chorus.error": "\(error)"])
                connection.close(.historyUnavailable)
                break
            }
            guard await writer.continueReplay(await position.advance(with: replay, frames: frames)) else { break }
        }
        metrics.replay.record(position)
        writer.goLive(after: position.lastSent, then: epilogue)
    }

    /// The response is not a stream after all (a middleware replaced it): give back what the
    /// route acquired.
    func abandon() async {
        await lease.release()
    }
}
