import CoreMetrics

/// Replays after `Last-Event-ID`.
struct ReplayMetrics: Sendable {
    /// `chorus_replays_total{outcome="complete"}`: replays that gave the client everything it missed.
    let complete: Counter
    /// `chorus_replays_total{outcome="reset"}`: replays that could not (the history no longer had
    /// it, or never had the id), answered with a `reset` event.
    let reset: Counter
    /// `chorus_events_replayed_total`: events written in replays.
    let events: Counter

    init(factory: any MetricsFactory) {
        complete = Counter(label: "chorus_replays_total", dimensions: [("outcome", "complete")], factory: factory)
        reset = Counter(label: "chorus_replays_total", dimensions: [("outcome", "reset")], factory: factory)
        events = Counter(label: "chorus_events_replayed_total", factory: factory)
    }

    /// Counts a stream's replay once it has run to its end (an interrupted one is not counted).
    func record(_ position: ReplayPosition) {
        guard position.isResume, position.next == nil else { return }
        (position.isReset ? reset : complete).increment()
        if position.replayedFrames > 0 { events.increment(by: position.replayedFrames) }
    }
}
