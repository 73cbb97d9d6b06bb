import ChorusCore
import ServiceLifecycle

/// Runs a node's background work as a service: the bus subscription that feeds the Hub, and the
/// heartbeat and token-expiry tickers. One ticker each for the whole node, not a timer per connection.
public struct HubService: Service {
    let hub: Hub
    let bus: any Bus
    let heartbeatInterval: Duration
    let expiryInterval: Duration

    /// Creates the service. Streams whose token expired are ended within `expiryInterval`.
    public init(hub: Hub, bus: any Bus, heartbeatInterval: Duration, expiryInterval: Duration = .seconds(1)) {
        self.hub = hub
        self.bus = bus
        self.heartbeatInterval = heartbeatInterval
        self.expiryInterval = expiryInterval
    }

    public func run() async throws {
        // On graceful shutdown every stream gets its close event and the bus subscription ends;
        // the HTTP server waits for the streams to finish writing.
        try await withGracefulShutdownHandler {
            do {
                try await cancelWhenGracefulShutdown {
                    try await runUntilCancelled()
                }
            } catch is CancellationError where Task.isShuttingDownGracefully {
                // The expected way to stop.
            }
        } onGracefulShutdown: {
            hub.closeAll()
        }
    }

    private func runUntilCancelled() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                try await bus.run(delivering: hub)
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: heartbeatInterval)
                    hub.heartbeatTick()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: expiryInterval)
                    hub.expireTokens(now: wallClockMilliseconds())
                }
            }
        }
    }
}
