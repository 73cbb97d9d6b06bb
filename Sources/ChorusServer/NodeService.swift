import Logging
import ServiceLifecycle
import UnixSignals

/// A node as a service that drains before it stops (``NodeDrain``): run it in a `ServiceGroup`
/// whose graceful shutdown signals include SIGTERM.
///
/// On graceful shutdown (the first SIGTERM or SIGINT) the node drains while it keeps serving:
/// `/readyz` says `503` at once, streams are closed spread over the drain window after the drain
/// delay, and only then does the HTTP server stop. A second SIGTERM or SIGINT during the drain
/// closes every remaining stream at once and the node stops right away. If stopping takes longer
/// than the drain plus ``shutdownMargin`` anyway, its tasks are cancelled.
///
/// ```swift
/// let node = ChorusNode(configuration: configuration, bus: bus)
/// let group = ServiceGroup(services: [node.makeService()], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public struct NodeService: Service {
    /// How long stopping may take beyond the drain before it is cut short.
    public static let shutdownMargin: Duration = .seconds(10)

    let application: any Service
    let drain: NodeDrain
    let stopSignals: [UnixSignal]
    let logger: Logger

    /// Wraps `application` (the node's, from ``ChorusNode/makeApplication(router:onServerRunning:)``)
    /// so that `drain` runs before it stops; a second of `stopSignals` cuts the drain short.
    public init(application: any Service, drain: NodeDrain, stopSignals: [UnixSignal] = [.sigterm, .sigint], logger: Logger) {
        self.application = application
        self.drain = drain
        self.stopSignals = stopSignals
        self.logger = logger
    }

    public func run() async throws {
        // A group of its own: it shuts its services down in reverse order, so the drain runs to
        // its end while the application still serves, and the application stops after it.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: application),
                .init(service: DrainService(drain: drain, stopSignals: stopSignals), successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = drain.duration + Self.shutdownMargin
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// Waits for graceful shutdown, then drains; a second stop signal ends the drain at once. The
/// first stop signal marks the node not ready at once, before the graceful shutdown has made its
/// way through the service groups to here.
private struct DrainService: Service {
    let drain: NodeDrain
    let stopSignals: [UnixSignal]

    func run() async {
        // Trapped from the start: the first signal is the one that began the graceful shutdown.
        let signals = await UnixSignalsSequence(trapping: stopSignals)
        let interrupted = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var count = 0
                for await _ in signals {
                    count += 1
                    if count == 1 { drain.begin() }
                    if count >= 2 { return true }
                }
                return false
            }
            group.addTask {
                guard (try? await gracefulShutdown()) != nil else { return false }
                await drain.run()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if interrupted { drain.closeRemaining() }
    }
}
