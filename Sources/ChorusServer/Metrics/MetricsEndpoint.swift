import ChorusCore
import CoreMetrics
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// `GET /metrics`: the node's series in the Prometheus text exposition format (version 0.0.4).
/// Gauges that mirror state (open streams, bus ready) are sampled at each scrape, so the delivery
/// path never updates them.
struct MetricsEndpoint: Sendable {
    let metrics: ChorusMetrics
    let registry: PrometheusCollectorRegistry
    let hub: Hub
    let bus: any Bus

    /// `nil` when metrics are off: then there is no `/metrics`.
    init?(metrics: ChorusMetrics, hub: Hub, bus: any Bus) {
        guard let registry = metrics.registry else { return nil }
        self.metrics = metrics
        self.registry = registry
        self.hub = hub
        self.bus = bus
    }

    func scrape(_ request: Request, context: some RequestContext) -> Response {
        metrics.streams.open.record(hub.connectionCount)
        metrics.bus.ready.record(bus.isReady ? 1 : 0)
        var text: [UInt8] = []
        registry.emit(into: &text)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: text))
        )
    }

    /// A server of its own for `/metrics` at `address`, so the series need not be public.
    func listener(at address: ListenAddress, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { request, context in scrape(request, context: context) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "chorus-metrics"),
            logger: logger
        )
    }
}
