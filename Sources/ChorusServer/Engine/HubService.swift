import ChorusCore
import Logging
import ServiceLifecycle

/// Runs a node's background work as a service: the bus subscription that feeds the Hub, and the
/// heartbeat and token-expiry tickers. One ticker each for the whole node, not a timer per connection.
public struct HubService: Service {
    let hub: Hub
    let bus: any Bus
    let heartbeatInterval: Duration
    let expiryInterval: Duration
    let renderer: ChangeRenderer?
    let ageLimit: StreamAgeLimit?
    let logger: Logger

    /// Creates the service. Streams whose token expired are ended within `expiryInterval`. With a
    /// `renderer`, changes (envelopes with `paths`) are sent as what it renders for them. With a
    /// `maximumStreamAge`, streams older than it are ended (see
    /// ``NodeConfiguration/maximumStreamAge``), checked every `expiryInterval`.
    public init(
        hub: Hub,
        bus: any Bus,
        heartbeatInterval: Duration,
        expiryInterval: Duration = .seconds(1),
        renderer: ChangeRenderer? = nil,
        maximumStreamAge: Duration? = nil,
        logger: Logger = Logger(label: "chorus")
    ) {
        self.hub = hub
        self.bus = bus
        self.heartbeatInterval = heartbeatInterval
        self.expiryInterval = expiryInterval
        self.renderer = renderer
        self.ageLimit = StreamAgeLimit(maximumStreamAge)
        self.logger = logger
    }

    public func run() async throws {
        // On graceful shutdown every stream gets its close event and the bus subscription ends.
        // Streams run on their event loops with no task the HTTP server would wait for, so this
        // service waits (briefly) for them to finish writing.
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
        await waitForStreamsToEnd()
    }

    /// How long a shutdown waits for the streams' close events to be written: a client that does
    /// not read is cut off at once, so this bounds only the slow path.
    static let streamsEndTimeout = Duration.seconds(5)

    private func waitForStreamsToEnd() async {
        let deadline = ContinuousClock.now + Self.streamsEndTimeout
        while hub.connectionCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    private func runUntilCancelled() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            if let renderer {
                let pipeline = ChangePipeline(hub: hub, renderer: renderer, logger: logger)
                group.addTask { await pipeline.run() }
                group.addTask { try await bus.run(delivering: pipeline) }
            } else {
                group.addTask { try await bus.run(delivering: hub) }
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
                    let now = wallClockMilliseconds()
                    hub.expireTokens(now: now)
                    if let ageLimit { hub.endStreams(pastAgeLimit: ageLimit, now: now) }
                }
            }
        }
    }
}
