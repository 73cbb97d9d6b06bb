import NIOCore
import Synchronization

/// The deliveries waiting for one event loop, and the one task that writes them.
///
/// At most one drain task is scheduled at a time: while the loop is busy writing, later events
/// pile up here and go out together in the next task, with one flush (one `writev`) per
/// connection for all of them. An idle loop writes each event at once.
///
/// A saturated loop paces itself (see ``Pacing``): once events have piled up during two drains in
/// a row, the next drain waits a while (four times the CPU time that drain took, at most 20 ms)
/// before it starts; after a drain that wrote runs of one scope's events, sixteen times (at most
/// 40 ms) at once. The loop spends that pause serving other I/O (the publish requests, which set
/// the publish rate under fan-out load) and leaves the CPU to the threads that feed it, and the
/// next drain takes everything that arrived meanwhile: more events per system call, so fewer calls
/// per delivery as load grows. Nothing is paused while events do not pile up, nor after a single
/// pile-up (two events that arrived close together), so an idle or lightly loaded node adds no
/// latency.
///
/// Stream closes go through the inbox too (``close(_:_:)``), so a close event always follows the
/// events queued before it, as it did when every drain ran at once; a close never waits out a
/// pause.
final class LoopInbox: Sendable {
    /// When a drain that found more work waiting is followed by a pause, and how long.
    struct Pacing: Sendable {
        /// How many drains in a row must find more events waiting before one is followed by a
        /// pause. A single pile-up is a burst, not load: pausing after it only delays the events
        /// of that burst (scenario 4's tail). A drain that wrote runs (``runs``) pauses at once:
        /// its runs are events that piled up already.
        var streak = 1
        /// The pause after such a drain, as a multiple of the drain's own duration.
        var factor: Double
        /// The shortest pause after such a drain.
        var minimum: TimeAmount = .zero
        /// The longest pause.
        var maximum: TimeAmount
        /// A longer pause after a drain that wrote runs of events (``FrameRun``): one busy scope's
        /// events, many per connection. Pausing longer there means more events per write for every
        /// one of its connections; where each connection gets one event per drain (many scopes,
        /// or a short burst) a longer pause would only add latency.
        var runs: RunPacing?

        /// The pause for a loop whose drains write runs of events.
        struct RunPacing: Sendable {
            /// The run length (events to one connection in one write) that calls for it.
            var length: Int
            var factor: Double
            var maximum: TimeAmount
        }

        /// What a node uses. Under sustained load, fan-out takes at most a fifth of a loop's time;
        /// when that load is a busy scope (runs of 4 events or more per connection), at most a
        /// seventeenth, with a drain every 40 ms or so taking everything that came meanwhile, so
        /// that each socket gets one write (and its reader one read) for many events.
        ///
        /// Measured in the matrix's scenarios on 2 shared cores (`bench/ab_cluster.py`): a factor
        /// of 4 made scenario 1's deliveries per second 4.6 times those without pacing. Once a run
        /// of events became one write per connection, drains got cheaper and, at a factor of 4, so
        /// short that they took fewer events each: more system calls per event, half the
        /// throughput. A factor of 16 up to 40 ms for runs gave scenario 1 1.5–1.7 times the
        /// throughput with a lower p50 and p99 latency; applied to every drain it made scenario 3's
        /// p99 five times longer (many scopes: nothing to gain from waiting), hence only for runs.
        ///
        /// Pausing only from the second pile-up in a row (`streak` 2): scenario 4's p99 24 → 16 ms
        /// (medians of 19 interleaved repetitions; single runs vary 9–90 ms), scenario 2's publish
        /// p50 8 → 4 ms, scenario 1 unchanged. Without any pause after piled-up single events,
        /// scenario 2's publishes starved (p50 231 ms).
        static let standard = Pacing(
            streak: 2, factor: 4, maximum: .milliseconds(20),
            runs: RunPacing(length: 4, factor: 16, maximum: .milliseconds(40))
        )
        /// Never pause: every drain follows the one before at once (the behaviour before pacing).
        static let off = Pacing(factor: 0, maximum: .zero)

        /// The pause after a drain that took `duration`, whose longest run to a connection was
        /// `longestRun` events, and found more waiting, as the `streak`th drain in a row to do so.
        func pause(after duration: TimeAmount, longestRun: Int = 1, streak: Int = 1) -> TimeAmount {
            var (factor, maximum) = (self.factor, self.maximum)
            if let runs, longestRun >= runs.length {
                (factor, maximum) = (runs.factor, runs.maximum)
            } else if streak < self.streak {
                return .zero
            }
            let scaled = Double(max(duration, .zero).nanoseconds) * factor
            let pause = scaled >= Double(maximum.nanoseconds) ? maximum : .nanoseconds(Int64(scaled))
            return min(max(pause, minimum), maximum)
        }
    }

    /// The loop whose connections this inbox writes to.
    let loop: any EventLoop
    private let state = Mutex(State())
    private let metrics: DeliveryMetrics
    private let pacing: Pacing

    /// Whether, and how, the next drain is coming.
    private enum Wake {
        /// Nothing waits; the next submit starts a drain at once.
        case idle
        /// A drain task is queued on the loop.
        case queued
        /// A drain is running; whatever comes meanwhile waits for its end.
        case running
        /// The next drain is scheduled after a pause.
        case paused
    }

    /// A close that waits for the deliveries queued before it.
    private struct PendingClose {
        /// How many of the pending deliveries go out before it.
        let after: Int
        let connection: Connection
        let reason: CloseReason
    }

    private struct State {
        var pending: [LoopDelivery] = []
        var closes: [PendingClose] = []
        var wake = Wake.idle
        /// How many drains in a row found more events waiting when they ended.
        var streak = 0
    }

    init(loop: any EventLoop, metrics: DeliveryMetrics, pacing: Pacing = .standard) {
        self.loop = loop
        self.metrics = metrics
        self.pacing = pacing
    }

    /// Queues `deliveries` (in order, after those already queued) and makes sure a drain runs.
    func submit(_ deliveries: [LoopDelivery]) {
        let start = state.withLock { state in
            if state.pending.isEmpty {
                state.pending = deliveries
            } else {
                state.pending.append(contentsOf: deliveries)
            }
            guard state.wake == .idle else { return false }
            state.wake = .queued
            return true
        }
        if start { loop.execute { self.drain() } }
    }

    /// Ends `connection`'s stream (a close event first, if `reason` has one) after the deliveries
    /// queued before, without waiting for a pause. With nothing queued and on the loop, at once.
    func close(_ connection: Connection, _ reason: CloseReason) {
        let onLoop = loop.inEventLoop
        let action = state.withLock { state -> CloseAction in
            if onLoop, state.pending.isEmpty, state.closes.isEmpty, state.wake != .running { return .now }
            state.closes.append(PendingClose(after: state.pending.count, connection: connection, reason: reason))
            switch state.wake {
            case .idle, .paused:
                state.wake = .queued
                return .drain
            case .queued, .running: return .none
            }
        }
        switch action {
        case .now: connection.writer.value.closeOnLoop(reason)
        case .drain: loop.execute { self.drain() }
        case .none: break
        }
    }

    private enum CloseAction { case now, drain, none }

    private func drain() {
        while true {
            let started = DrainClock.now(loop)
            let (deliveries, closes) = state.withLock { state in
                state.wake = .running
                defer { (state.pending, state.closes) = ([], []) }
                return (state.pending, state.closes)
            }
            let longestRun = write(deliveries, closes)
            let next = state.withLock { state -> Next in
                if !state.closes.isEmpty { return .again }
                if state.pending.isEmpty {
                    state.wake = .idle
                    state.streak = 0
                    return .done
                }
                // Events piled up while this drain wrote: the loop may be saturated.
                state.streak += 1
                let pause = pacing.pause(after: DrainClock.now(loop) - started, longestRun: longestRun, streak: state.streak)
                guard pause > .zero else {
                    state.wake = .queued
                    return .execute
                }
                state.wake = .paused
                return .pause(pause)
            }
            switch next {
            case .again: continue
            case .done: return
            case .execute: loop.execute { self.drain() }
            case .pause(let pause):
                // Only a loop that is shutting down refuses; then nothing is written any more anyway.
                _ = try? loop.scheduleCallback(in: pause, handler: self)
            }
            return
        }
    }

    private enum Next {
        case again, done, execute
        case pause(TimeAmount)
    }

    /// Writes `deliveries`, each close after the deliveries queued before it. Returns the longest
    /// run of events written to one connection at once.
    private func write(_ deliveries: [LoopDelivery], _ closes: [PendingClose]) -> Int {
        guard !closes.isEmpty else { return LoopBatch(deliveries: deliveries).run(counting: metrics) }
        var written = 0
        var longestRun = 0
        for close in closes {
            if close.after > written {
                longestRun = max(longestRun, LoopBatch(deliveries: Array(deliveries[written..<close.after])).run(counting: metrics))
                written = close.after
            }
            close.connection.writer.value.closeOnLoop(close.reason)
        }
        if written < deliveries.count {
            longestRun = max(longestRun, LoopBatch(deliveries: Array(deliveries[written...])).run(counting: metrics))
        }
        return longestRun
    }
}

extension LoopInbox: NIOScheduledCallbackHandler {
    /// The pause is over: drain, unless a close started a drain meanwhile.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        let due = state.withLock { state in
            guard state.wake == .paused else { return false }
            state.wake = .queued
            return true
        }
        if due { drain() }
    }
}
