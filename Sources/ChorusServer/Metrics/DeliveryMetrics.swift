import ChorusCore
import CoreMetrics

/// What the fan-out writes: counted once per event-loop batch (a batch adds its frames × sockets
/// in one increment), never once per socket.
struct DeliveryMetrics: Sendable {
    static let lagName = "chorus_delivery_lag_seconds"

    /// `chorus_frames_delivered_total`: live frames (events, presence, resets) written to sockets.
    let frames: Counter
    /// `chorus_bytes_written_total`: the bytes of those frames.
    let bytes: Counter
    /// `chorus_delivery_lag_seconds`: when an event's frame is written, now minus the millisecond
    /// timestamp its id starts with; once per event per event-loop batch.
    let lag: Timer
    /// Whether anything is recorded (so a node without metrics does not read the clock for them).
    let enabled: Bool

    init(factory: any MetricsFactory, enabled: Bool) {
        frames = Counter(label: "chorus_frames_delivered_total", factory: factory)
        bytes = Counter(label: "chorus_bytes_written_total", factory: factory)
        lag = Timer(label: Self.lagName, factory: factory)
        self.enabled = enabled
    }

    /// Adds what one batch wrote.
    func delivered(frames: Int, bytes: Int) {
        guard frames > 0 else { return }
        self.frames.increment(by: frames)
        self.bytes.increment(by: bytes)
    }

    /// Records the lag of the event `id` written at `now` (milliseconds since the epoch). An id
    /// from a clock ahead of this node's counts as no lag.
    func observeLag(of id: EventID, now: UInt64) {
        let milliseconds = now >= id.milliseconds ? now - id.milliseconds : 0
        lag.recordNanoseconds(Int64(clamping: milliseconds.multipliedReportingOverflow(by: 1_000_000).partialValue))
    }
}
