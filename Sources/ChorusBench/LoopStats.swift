import Histogram

/// The counters and latency histogram of the subscribers on one event loop.
///
/// Every subscriber handler on a loop writes here without a lock; the runner reads a
/// ``LoopSnapshot`` through `eventLoop.submit`, so all access happens on that loop's thread.
/// `@unchecked Sendable` because the compiler cannot see that confinement: the reference is
/// handed to channel initializers that run on the same loop, and nothing touches it elsewhere.
public final class LoopStats: @unchecked Sendable {
    /// Publish→receive latency, in microseconds.
    var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    /// Deliveries per subscriber, indexed by the subscriber's global index.
    var delivered: [Int]
    /// All deliveries on this loop.
    var total = 0
    /// Deliveries whose stamp was in the future or absurd (clock trouble or a parse error).
    var badStamps = 0
    /// Subscribers whose stream ended or failed after they were connected.
    var droppedAfterConnect = 0
    /// Set by the runner before it closes the streams itself, so those closes are not drops.
    var stopping = false
    /// Why streams ended early, with how often.
    var dropReasons: [String: Int] = [:]

    /// Stats for `subscriberCount` subscribers (only those on this loop are ever touched).
    init(subscriberCount: Int) {
        delivered = Array(repeating: 0, count: subscriberCount)
    }

    /// Wall-clock nanoseconds of the latest delivery on this loop.
    var lastDeliveryNanos: UInt64 = 0

    @inline(__always)
    func record(subscriber: Int, sentNanos: UInt64, now: UInt64) {
        delivered[subscriber] &+= 1
        total &+= 1
        lastDeliveryNanos = now
        if now >= sentNanos, now - sentNanos < 600_000_000_000 {
            latency.record((now - sentNanos) / 1000)
        } else if sentNanos > now, sentNanos - now < 1_000_000 {
            latency.record(0)
        } else {
            badStamps += 1
        }
    }

    func dropped(_ reason: String) {
        droppedAfterConnect += 1
        dropReasons[reason, default: 0] += 1
    }

    /// A copy of everything, for merging.
    func snapshot() -> LoopSnapshot {
        LoopSnapshot(latency: latency, delivered: delivered, total: total, badStamps: badStamps,
                     droppedAfterConnect: droppedAfterConnect, dropReasons: dropReasons, lastDeliveryNanos: lastDeliveryNanos)
    }
}

/// What one loop's subscribers measured, copied off the loop.
struct LoopSnapshot: Sendable {
    var latency: Histogram<UInt64>
    var delivered: [Int]
    var total: Int
    var badStamps: Int
    var droppedAfterConnect: Int
    var dropReasons: [String: Int]
    var lastDeliveryNanos: UInt64
}
