import CoreMetrics

/// Reactive renders (``ChangeRenderer``) of changes on their way to subscribers.
struct RenderMetrics: Sendable {
    static let durationName = "chorus_reactive_render_duration_seconds"

    /// `chorus_reactive_renders_total`: renders of a change (one for everyone, or one per user).
    let renders: Counter
    /// `chorus_reactive_render_duration_seconds`: how long each took.
    let duration: Timer

    init(factory: any MetricsFactory) {
        renders = Counter(label: "chorus_reactive_renders_total", factory: factory)
        duration = Timer(label: Self.durationName, factory: factory)
    }

    /// Runs `render`, counting and timing it.
    func timed<T>(_ render: () async -> T) async -> T {
        let start = ContinuousClock.now
        let result = await render()
        renders.increment()
        duration.recordNanoseconds(start.duration(to: .now).nanoseconds)
        return result
    }
}
