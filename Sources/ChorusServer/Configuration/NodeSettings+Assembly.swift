import ChorusCore
import ChorusRedis
import Hummingbird
import Logging

extension NodeSettings {
    /// The node's metrics: recording unless ``NodeConfiguration/metricsEnabled`` is off. Give the
    /// same value to ``makeBus(metrics:logger:)`` and ``makeApplication(bus:app:metrics:logger:)``.
    public func makeMetrics() -> ChorusMetrics {
        ChorusMetrics(enabled: node.metricsEnabled)
    }

    /// The bus these settings name: the Redis bus when ``redis`` is set (reporting reconnects,
    /// probes and gaps to `metrics`), the embedded in-memory bus otherwise.
    public func makeBus(metrics: ChorusMetrics = .disabled, logger: Logger) -> any Bus {
        if var redis {
            redis.observer = metrics.bus
            return RedisBus(configuration: redis, logger: logger)
        } else {
            return InMemoryBus(historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)
        }
    }

    /// The bus in words, for the startup log line.
    public var busDescription: String {
        if let redis {
            "Redis at \(redis.url) (channel \(redis.channel), history \(historyCapacity))"
        } else {
            "the in-memory bus (history \(historyCapacity))"
        }
    }

    /// The node these settings describe on `bus`, serving `app` (if any) beside its own routes,
    /// as a service to run (for example in a `ServiceGroup`) that drains on SIGTERM (``NodeService``).
    public func makeService(bus: any Bus, app: (any ChorusApp)? = nil, metrics: ChorusMetrics? = nil, logger: Logger) -> NodeService {
        let node = ChorusNode(configuration: node, bus: bus, hooks: app?.hooks ?? .init(), renderer: app?.changeRenderer, logger: logger, metrics: metrics)
        let router = node.makeRouter(home: app == nil)
        app?.addRoutes(to: router)
        return node.makeService(router: router)
    }
}
