import ChorusCore
import ChorusRedis
import Hummingbird
import Logging

extension NodeSettings {
    /// The bus these settings name: the Redis bus when ``redis`` is set, the embedded in-memory
    /// bus otherwise.
    public func makeBus(logger: Logger) -> any Bus {
        if let redis {
            RedisBus(configuration: redis, logger: logger)
        } else {
            InMemoryBus(historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)
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
    /// as a service to run (for example in a `ServiceGroup`).
    public func makeApplication(bus: any Bus, app: (any ChorusApp)? = nil, logger: Logger) -> some ApplicationProtocol {
        let node = ChorusNode(configuration: node, bus: bus, hooks: app?.hooks ?? .init(), renderer: app?.changeRenderer, logger: logger)
        let router = node.makeRouter(home: app == nil)
        app?.addRoutes(to: router)
        return node.makeApplication(router: router)
    }
}
