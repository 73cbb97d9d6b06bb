import ChorusCore
import CoreMetrics

/// The bus's series. It is the bus's ``BusObserver``: pass it to the bus (the Redis bus takes it
/// as `RedisConfiguration.observer`) to count reconnections and probes.
public struct BusMetrics: BusObserver {
    static let probeRoundTripName = "chorus_bus_probe_round_trip_seconds"

    /// `chorus_bus_ready`: 1 while the bus can publish and deliver (what `/readyz` says), sampled
    /// when scraped.
    let ready: Gauge
    /// `chorus_bus_reconnects_total`: connections to Redis that failed and came back.
    let reconnects: Counter
    /// `chorus_bus_probe_failures_total`: probes that did not come back in time or could not be sent.
    let probeFailures: Counter
    /// `chorus_bus_gaps_total`: times the bus reported events lost beyond the history (every
    /// stream then got a `reset`).
    let gaps: Counter
    /// `chorus_bus_probe_round_trip_seconds`: a probe's trip through Redis and back.
    let probeRoundTrip: Timer

    init(factory: any MetricsFactory) {
        ready = Gauge(label: "chorus_bus_ready", factory: factory)
        reconnects = Counter(label: "chorus_bus_reconnects_total", factory: factory)
        probeFailures = Counter(label: "chorus_bus_probe_failures_total", factory: factory)
        gaps = Counter(label: "chorus_bus_gaps_total", factory: factory)
        probeRoundTrip = Timer(label: Self.probeRoundTripName, factory: factory)
    }

    /// Counts a gap the bus reported.
    func gapDetected() {
        gaps.increment()
    }

    public func busReconnected() {
        reconnects.increment()
    }

    public func busProbeFailed() {
        probeFailures.increment()
    }

    public func busProbeReturned(after roundTrip: Duration) {
        probeRoundTrip.recordNanoseconds(roundTrip.nanoseconds)
    }
}
