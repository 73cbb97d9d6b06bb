import Logging
import NIOCore

/// What happens once a stream has ended, whatever ended it: the stream's metrics and last log
/// line, and its Hub slot and presence entries given back (``StreamLease``). (The writer has
/// ended the response and closed the connection.)
///
/// Kept for the stream's whole life, so it holds references only (the node's metrics and logger
/// through the lease's Hub).
final class StreamEpilogue: StreamEndObserver {
    private let lease: StreamLease
    private let opened = ContinuousClock.now

    init(lease: StreamLease) {
        self.lease = lease
    }

    func streamEnded(_ end: StreamEnd) {
        let (connection, logger, metrics) = (lease.connection, lease.hub.logger, lease.hub.metrics.streams)
        if end.reason == .overflow {
            logger.info("disconnecting a slow client: it fell too far behind", metadata: ["chorus.conn": "\(connection.id)"])
        }
        metrics.closed(end.reason)
        logger.info("stream ended", metadata: [
            "chorus.conn": "\(connection.id)",
            "chorus.reason": .string(end.reason.rawValue),
            "chorus.frames": "\(end.frames)",
            "chorus.duration_ms": .string(LogDuration.milliseconds(ContinuousClock.now - opened)),
        ])
        // Presence is given back on the bus, which may wait; nothing on the loop waits for it.
        Task { await lease.release() }
    }
}
