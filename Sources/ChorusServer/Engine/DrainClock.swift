#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// How long a drain took, as ``LoopInbox`` paces by it: the CPU time the loop's thread spent, not
/// the wall time. On a machine whose cores are shared, a drain that was preempted half-way took
/// long on the wall clock without doing more work; pausing for that time would only add latency.
///
/// Read on the loop that drains. A loop with a clock of its own (NIO's testing loops, whose time
/// moves only when a test moves it) counts no time at all, so its drains never pause by their
/// duration.
struct DrainClock: Sendable {
    private let loopTime: NIODeadline
    private let threadTime: TimeAmount

    /// Now, on `loop` (the current thread's loop).
    static func now(_ loop: any EventLoop) -> DrainClock {
        DrainClock(loopTime: loop.now, threadTime: threadCPUTime())
    }

    /// The time from `start` to `end`: the thread's CPU time, bounded by the loop's clock.
    static func - (end: DrainClock, start: DrainClock) -> TimeAmount {
        min(end.loopTime - start.loopTime, end.threadTime - start.threadTime)
    }

    private static func threadCPUTime() -> TimeAmount {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return .zero }
        return .nanoseconds(Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }
}
