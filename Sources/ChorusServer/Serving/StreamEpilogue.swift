import Logging
import NIOCore

/// What happens once a stream has ended, whatever ended it: the stream's metrics and last log
/// line, its Hub slot and presence entries given back (``StreamLease``), and the end of the
/// response, after which the connection closes.
final class StreamEpilogue: StreamEndObserver {
    private let connection: Connection
    private let lease: StreamLease
    private let metrics: StreamMetrics
    private let logger: Logger
    private let opened = ContinuousClock.now
    private let response: NIOLoopBound<EventsInterceptor>

    init(connection: Connection, lease: StreamLease, metrics: StreamMetrics, logger: Logger, response: NIOLoopBound<EventsInterceptor>) {
        self.connection = connection
        self.lease = lease
        self.metrics = metrics
        self.logger = logger
        self.response = response
    }

    func streamEnded(_ end: StreamEnd) {
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
        let lease = self.lease
        // Presence is given back on the bus, which may wait; nothing on the loop waits for it.
        Task { await lease.release() }
        response.value.endStream()
    }
}
