import CoreMetrics
import Prometheus

/// A node's Prometheus metrics: one registry, and every series' handle made once, up front.
///
/// Each node has its own registry (several nodes can run in one process, as in tests), and its
/// handles are made through ``factory`` rather than the global `MetricsSystem`. A process that
/// runs one node also calls ``bootstrapMetricsSystem()`` so that what uses the global system —
/// Hummingbird's `MetricsMiddleware` on the ordinary routes — lands in the same registry.
///
/// `GET /metrics` renders the registry in the Prometheus text format (see ``MetricsEndpoint``).
/// With `enabled: false` every handle does nothing and there is no `/metrics`.
public struct ChorusMetrics: Sendable {
    /// Where the series live; `nil` when metrics are off.
    public let registry: PrometheusCollectorRegistry?
    /// Makes handles in ``registry`` (a no-op factory when metrics are off).
    public let factory: any MetricsFactory
    /// Streams: open, opened, closed by reason, refused by reason.
    let streams: StreamMetrics
    /// Frames and bytes written to sockets, and delivery lag.
    let delivery: DeliveryMetrics
    /// Publish requests, accepted events, publish duration.
    let publish: PublishMetrics
    /// Replays by outcome and replayed events.
    let replay: ReplayMetrics
    /// The bus's series. Give it to the bus as its observer (``RedisConfiguration/observer`` in
    /// ChorusRedis) so reconnections and probes are counted.
    public let bus: BusMetrics
    /// This node's presence entries in the bus.
    let presenceEntries: Meter
    /// Reactive renders and their duration.
    let renders: RenderMetrics

    /// Whether the series are recorded (and served).
    public var isEnabled: Bool { registry != nil }

    /// Creates a node's metrics in a registry of their own; with `enabled: false`, handles that do
    /// nothing.
    public init(enabled: Bool = true) {
        let factory: any MetricsFactory
        if enabled {
            let registry = PrometheusCollectorRegistry()
            var prometheus = PrometheusMetricsFactory(registry: registry)
            for (name, buckets) in MetricBuckets.byName { prometheus.durationHistogramBuckets[name] = buckets }
            self.registry = registry
            factory = prometheus
        } else {
            registry = nil
            factory = NOOPMetricsHandler.instance
        }
        self.factory = factory
        streams = StreamMetrics(factory: factory)
        delivery = DeliveryMetrics(factory: factory, enabled: enabled)
        publish = PublishMetrics(factory: factory)
        replay = ReplayMetrics(factory: factory)
        bus = BusMetrics(factory: factory)
        presenceEntries = Meter(label: "chorus_presence_entries", factory: factory)
        renders = RenderMetrics(factory: factory)
    }

    /// Handles that do nothing: for a Hub made without metrics.
    public static let disabled = ChorusMetrics(enabled: false)

    /// Makes ``factory`` the process's global metrics factory, so that libraries that use the
    /// global `MetricsSystem` (Hummingbird's `MetricsMiddleware`) record into this node's registry.
    /// Call it once per process, before the node serves; a process with several nodes picks one.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(factory)
    }
}
