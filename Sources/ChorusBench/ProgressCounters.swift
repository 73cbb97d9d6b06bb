import Synchronization

/// Counters the progress line reads while the run goes on (relaxed atomics, not per event).
final class ProgressCounters: Sendable {
    let connected = Atomic<Int>(0)
    let connectErrors = Atomic<Int>(0)
    let published = Atomic<Int>(0)
    let publishErrors = Atomic<Int>(0)
    /// The next event sequence number to publish.
    let nextSequence = Atomic<Int>(0)
}
