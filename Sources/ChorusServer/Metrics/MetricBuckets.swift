/// Histogram buckets per series, in seconds, fitted to what each one measures.
enum MetricBuckets {
    /// Sub-millisecond to seconds: a bus round trip, a publish, a render.
    static let fast: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]

    /// Delivery lag: event ids carry whole milliseconds, and a lagging node falls seconds behind.
    static let lag: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    static let byName: [String: [Duration]] = [
        DeliveryMetrics.lagName: lag,
        PublishMetrics.durationName: fast,
        BusMetrics.probeRoundTripName: fast,
        RenderMetrics.durationName: fast,
    ]
}

extension Duration {
    /// Whole nanoseconds (saturating), what a swift-metrics `Timer` records.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
