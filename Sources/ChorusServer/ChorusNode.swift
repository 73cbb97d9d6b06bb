import ChorusCore
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// One Chorus node: the HTTP routes, the Hub, and the bus they share.
///
/// ```swift
/// let node = ChorusNode(configuration: .init(port: 8080), bus: InMemoryBus())
/// try await node.makeApplication().runService()
/// ```
///
/// Routes: `GET /events` (SSE), `POST /events/tabs` (a shared stream's tabs, see ``SharedTabs``), `POST /publish`, `POST /users/{id}/close`, `GET /presence/{scope}`,
/// `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus; see ``ChorusMetrics``), `GET /chorus.js`
/// (the browser script), `GET /console` (a page that shows a scope's live events and publishes to
/// it) and, unless an app serves its own, `GET /` (the same console).
public struct ChorusNode: Sendable {
    /// How the node behaves.
    public let configuration: NodeConfiguration
    /// The bus shared with the other nodes (or the in-memory one).
    public let bus: any Bus
    /// The node's connections.
    public let hub: Hub
    /// The node's logger.
    public let logger: Logger
    /// The embedding app's hooks.
    public let hooks: ChorusHooks
    /// Renders changes (envelopes with `paths`) into what subscribers get, e.g. htmx fragments;
    /// `nil` sends changes like any other event.
    public let renderer: ChangeRenderer?
    /// The node's Prometheus metrics.
    public let metrics: ChorusMetrics
    /// What the node does between SIGTERM and exiting (run by ``makeService(router:onServerRunning:)``).
    public let drain: NodeDrain

    /// Creates a node. Without `metrics` it makes its own (off if the configuration says so).
    public init(
        configuration: NodeConfiguration = .init(),
        bus: any Bus,
        hooks: ChorusHooks = .init(),
        renderer: ChangeRenderer? = nil,
        logger: Logger = Logger(label: "chorus"),
        metrics: ChorusMetrics? = nil
    ) {
        var logger = logger
        logger[metadataKey: "chorus.node"] = "\(configuration.nodeID)"
        self.configuration = configuration
        self.bus = bus
        self.logger = logger
        self.hooks = hooks
        self.renderer = renderer
        let metrics = metrics ?? ChorusMetrics(enabled: configuration.metricsEnabled)
        self.metrics = metrics
        self.hub = Hub(maximumConnections: configuration.maximumConnections, logger: logger, metrics: metrics)
        self.drain = NodeDrain(hub: hub, delay: configuration.drainDelay, window: configuration.drainWindow, logger: logger)
    }

    /// The node's routes, to which an app may add its own. With `home: false` the app serves `/`.
    public func makeRouter(home: Bool = true) -> Router<ChorusRequestContext> {
        let router = Router(context: ChorusRequestContext.self)
        let lifecycle = ConnectionLifecycle(bus: bus, nodeID: configuration.nodeID, hooks: hooks, anonymousPresence: configuration.anonymousPresence, logger: logger, presenceEntries: metrics.presenceEntries)
        let events = EventsController(hub: hub, bus: bus, configuration: configuration, lifecycle: lifecycle, renderer: renderer, logger: logger)
        let gate = PublisherGate(configuration: configuration.auth)
        let publish = PublishController(bus: bus, maximumBytes: configuration.maximumPublishBytes, gate: gate, hooks: hooks, metrics: metrics.publish)
        let control = ControlController(bus: bus, gate: gate)
        // Before every route: middleware is bound to the routes added after it.
        router.add(middleware: RequestLogMiddleware(logger: logger))
        if !configuration.allowedOrigins.isEmpty {
            router.add(middleware: CrossOriginResourceSharing(allowedOrigins: configuration.allowedOrigins))
        }
        router.add(middleware: CrossSiteGuard(allowedOrigins: configuration.allowedOrigins))
        router.get("events", use: metrics.streams.countingRefusals { [drain] request, context in
            guard !drain.isDraining else {
                let seconds = max(1, Int(configuration.retryInterval.components.seconds))
                throw APIError.unavailable("this node is shutting down; connect to another node", retryAfterSeconds: seconds)
            }
            return try await events.stream(request, context: context)
        })
        // After /events: an open stream must not count as a request that lasts an hour.
        if metrics.isEnabled { router.add(middleware: MetricsMiddleware()) }
        router.post("publish", use: metrics.publish.counting(publish.publish))
        router.post("users/:id/close", use: control.closeUser)
        router.get("presence/:scope", use: control.presence)
        router.post("events/tabs", use: SharedTabsController(hub: hub, lifecycle: lifecycle, configuration: configuration).update)
        router.get("healthz") { _, _ in
            jsonResponse(.ok, .object([("status", .string("ok")), ("node", .string(configuration.nodeID)), ("connections", .number("\(hub.connectionCount)"))]))
        }
        router.get("readyz") { [bus, drain] _, _ in
            guard !drain.isDraining else {
                return jsonResponse(.serviceUnavailable, .object([("ready", .bool(false)), ("draining", .bool(true)), ("reason", .string("the node is draining before it shuts down"))]))
            }
            return bus.isReady
                ? jsonResponse(.ok, .object([("ready", .bool(true))]))
                : jsonResponse(.serviceUnavailable, .object([("ready", .bool(false)), ("reason", .string("the bus is not connected"))]))
        }
        if configuration.metricsAddress == nil, let endpoint = MetricsEndpoint(metrics: metrics, hub: hub, bus: bus) {
            router.get("metrics") { request, context in endpoint.scrape(request, context: context) }
        }
        router.get("chorus.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.chorus_js))
            )
        }
        let console: @Sendable (Request, ChorusRequestContext) -> Response = { _, _ in
            Response(status: .ok, headers: PageHeaders.html(), body: .init(byteBuffer: ByteBuffer(string: ConsolePage.html)))
        }
        router.get("console", use: console)
        if home { router.get("/", use: console) }
        return router
    }

    /// A Hummingbird application serving the node, with the Hub's background work as a service.
    /// `onServerRunning` is called once the socket is bound (tests read the port from it).
    /// `router` is the node's router with the app's routes added (``makeRouter(home:)``).
    public func makeApplication(
        router: Router<ChorusRequestContext>? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let idle = IdleConnections(maximum: configuration.maximumIdleConnections)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [SmallReceiveBuffers(), HTTPVersionHandler.Installer(), IdleConnectionHandler(connections: idle)],
            // Hummingbird's idle timeout closes a connection whose request head has not arrived in
            // time (and a kept-alive one idle that long), never one whose response is running.
            idleTimeout: TimeAmount(configuration.requestHeadTimeout)
        )
        let responder = (router ?? makeRouter()).buildResponder()
        let events = EventsResponder(router: responder, serverName: "chorus", maximumPublishBytes: configuration.maximumPublishBytes, logger: logger)
        var app = Application(
            responder: responder,
            // Hummingbird's HTTP/1 server, with streams served below its request loop.
            server: HTTPServerBuilder { hummingbird in
                ChorusHTTP1Channel(http1: HTTP1Channel(responder: hummingbird, configuration: http1), events: events)
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "chorus"),
            onServerRunning: onServerRunning,
            logger: logger
        )
        app.addServices(HubService(
            hub: hub, bus: bus, heartbeatInterval: configuration.heartbeatInterval, renderer: renderer,
            maximumStreamAge: configuration.maximumStreamAge, logger: logger
        ))
        if let address = configuration.metricsAddress, let endpoint = MetricsEndpoint(metrics: metrics, hub: hub, bus: bus) {
            app.addServices(endpoint.listener(at: address, logger: logger))
        }
        return app
    }

    /// The application (``makeApplication(router:onServerRunning:)``) as a service that drains
    /// before it stops (``NodeService``): what `chorus serve` runs.
    public func makeService(
        router: Router<ChorusRequestContext>? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> NodeService {
        NodeService(application: makeApplication(router: router, onServerRunning: onServerRunning), drain: drain, logger: logger)
    }
}
