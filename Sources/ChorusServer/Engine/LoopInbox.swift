import NIOCore
import Synchronization

/// The deliveries waiting for one event loop, and the one task that writes them.
///
/// At most one drain task is scheduled at a time: while the loop is busy writing, later events
/// pile up here and go out together in the next task, with one flush per connection for all of
/// them. So an idle node writes each event at once, and a saturated one makes fewer, larger
/// writes instead of falling further behind.
final class LoopInbox: Sendable {
    /// The loop whose connections this inbox writes to.
    let loop: any EventLoop
    private let state = Mutex(State())
    private let metrics: DeliveryMetrics

    private struct State {
        var pending: [LoopDelivery] = []
        var scheduled = false
    }

    init(loop: any EventLoop, metrics: DeliveryMetrics) {
        self.loop = loop
        self.metrics = metrics
    }

    /// Queues `deliveries` (in order, after those already queued) and makes sure a drain task runs.
    func submit(_ deliveries: [LoopDelivery]) {
        let schedule = state.withLock { state in
            if state.pending.isEmpty {
                state.pending = deliveries
            } else {
                state.pending.append(contentsOf: deliveries)
            }
            defer { state.scheduled = true }
            return !state.scheduled
        }
        if schedule { loop.execute { self.drain() } }
    }

    private func drain() {
        let deliveries = state.withLock { state in
            state.scheduled = false
            defer { state.pending = [] }
            return state.pending
        }
        LoopBatch(deliveries: deliveries).run(counting: metrics)
    }
}
