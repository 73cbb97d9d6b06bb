import ChorusCore
import NIOCore

/// Deliveries for one event loop, run there in one go (see ``LoopInbox``): every frame written in
/// order, then one flush per connection that got something. What it wrote is counted once for the
/// whole batch, and each event's delivery lag once.
///
/// Consecutive events to the same connections (a ``FrameRun``: under load, a busy scope's events
/// pile up between drains) go to each connection as one write of their joined bytes, put together
/// once for the loop.
struct LoopBatch: Sendable {
    var deliveries: [LoopDelivery] = []

    /// Writes the batch; returns the longest run of events it wrote to a connection at once.
    @discardableResult
    func run(counting metrics: DeliveryMetrics) -> Int {
        var longestRun = deliveries.isEmpty ? 0 : 1
        var frames = 0
        var bytes = 0
        var lastLagged: EventID?
        let now = metrics.enabled ? wallClockMilliseconds() : 0
        var start = deliveries.startIndex
        while start < deliveries.endIndex {
            let end = FrameRun.end(of: deliveries, from: start)
            var written = 0
            if end - start > 1, let firstID = deliveries[start].frame.id, let lastID = deliveries[end - 1].frame.id {
                let run = FrameRun(deliveries[start..<end], firstID: firstID, lastID: lastID)
                longestRun = max(longestRun, run.count)
                for connection in deliveries[start].members.values {
                    let (count, frameCount) = Self.deliver(run, to: connection)
                    if frameCount > 0 { written += frameCount }
                    bytes += count
                }
            } else {
                let delivery = deliveries[start]
                for connection in delivery.members.values where delivery.recipients.admit(connection) {
                    let count = Self.deliver(delivery.frame, to: connection)
                    if count > 0 {
                        written += 1
                        bytes += count
                    }
                }
            }
            frames += written
            if metrics.enabled, written > 0 {
                for delivery in deliveries[start..<end] {
                    guard let id = delivery.frame.id, id != lastLagged else { continue }
                    metrics.observeLag(of: id, now: now)
                    lastLagged = id
                }
            }
            start = end
        }
        // One flush per connection for the whole batch (each run's connections are its first
        // delivery's).
        start = deliveries.startIndex
        while start < deliveries.endIndex {
            for connection in deliveries[start].members.values {
                connection.writer.value.flushIfNeeded()
            }
            start = FrameRun.end(of: deliveries, from: start)
        }
        metrics.delivered(frames: frames, bytes: bytes)
        return longestRun
    }

    private static func deliver(_ frame: Outbound, to connection: Connection) -> Int {
        connection.writer.value.deliver(connection.shared == nil ? frame : frame.forSharedStream)
    }

    /// Writes `run` to `connection` in one go if it can take it whole, else event by event.
    /// Returns the bytes written and how many frames they were.
    private static func deliver(_ run: FrameRun, to connection: Connection) -> (bytes: Int, frames: Int) {
        let writer = connection.writer.value
        if connection.shared == nil, let bytes = writer.deliver(run) { return (bytes, bytes > 0 ? run.count : 0) }
        var (bytes, frames) = (0, 0)
        for delivery in run.deliveries {
            let count = deliver(delivery.frame, to: connection)
            if count > 0 {
                bytes += count
                frames += 1
            }
        }
        return (bytes, frames)
    }
}
