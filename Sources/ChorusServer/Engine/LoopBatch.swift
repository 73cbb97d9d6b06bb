import ChorusCore
import NIOCore

/// Deliveries for one event loop, run there in one go (see ``LoopInbox``): every frame written in
/// order, then one flush per connection that got something. What it wrote is counted once for the
/// whole batch, and each event's delivery lag once.
struct LoopBatch: Sendable {
    var deliveries: [LoopDelivery] = []

    func run(counting metrics: DeliveryMetrics) {
        var frames = 0
        var bytes = 0
        var lastLagged: EventID?
        let now = metrics.enabled ? wallClockMilliseconds() : 0
        for delivery in deliveries {
            var written = 0
            for connection in delivery.members.values where delivery.recipients.admit(connection) {
                let count = connection.writer.value.deliver(connection.shared == nil ? delivery.frame : delivery.frame.forSharedStream)
                if count > 0 {
                    written += 1
                    bytes += count
                }
            }
            frames += written
            if metrics.enabled, written > 0, let id = delivery.frame.id, id != lastLagged {
                metrics.observeLag(of: id, now: now)
                lastLagged = id
            }
        }
        for delivery in deliveries {
            for connection in delivery.members.values {
                connection.writer.value.flushIfNeeded()
            }
        }
        metrics.delivered(frames: frames, bytes: bytes)
    }
}
