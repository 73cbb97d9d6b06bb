import ChorusClient
import ChorusCore
import ChorusServer
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// A real node in this process on a free loopback port, with a real HTTP client pointed at it.
///
/// Its lifetime is a scope, so no node outlives its test: ``withNode(bus:hooks:renderer:_:isolation:_:)``
/// starts it, runs the body, and waits for it to stop gracefully, whether the body returned or threw.
///
/// ```swift
/// try await TestNode.withNode({ $0.heartbeatInterval = .milliseconds(100) }) { node in
///     let subscriber = try await node.subscribe(["s"])
///     try await node.publish("s", "hello")
///     #expect(await subscriber.waitFor(count: 1)?.first?.data == "hello")
/// }
/// ```
public final class TestNode: Sendable {
    /// How long a graceful stop may take before the node's task is cancelled (which closes its
    /// sockets) and the stop throws. A healthy node stops in milliseconds, open streams included:
    /// each gets its close event and Hummingbird closes the connection once the response ends.
    public static let stopTimeout: Duration = .seconds(10)

    /// The node being served.
    public let node: ChorusNode
    /// The loopback port it listens on.
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    /// Set once a stop has begun; a stop waits for the node only once.
    private let stopped = Mutex(false)

    /// A client for the node, with no credential.
    public var client: ChorusHTTPClient { ChorusHTTPClient(endpoint: Endpoint(host: "127.0.0.1", port: port)) }
    /// The node's connections.
    public var hub: Hub { node.hub }

    private init(node: ChorusNode, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.node = node
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts a node with `configure` applied to a test configuration (127.0.0.1, port 0, a 30 s
    /// heartbeat, node id `test`), runs `body` with it, then stops it gracefully (as on SIGTERM)
    /// and waits until it has stopped, also when `body` throws.
    ///
    /// Throws what `body` threw; otherwise, if the node failed or did not stop within
    /// ``stopTimeout``, that error.
    @discardableResult
    public static func withNode<Result>(
        bus: any Bus = InMemoryBus(historyCapacity: 1000),
        hooks: ChorusHooks = .init(),
        renderer: ChangeRenderer? = nil,
        _ configure: (inout NodeConfiguration) -> Void = { _ in },
        isolation: isolated (any Actor)? = #isolation,
        _ body: (TestNode) async throws -> Result
    ) async throws -> Result {
        var configuration = NodeConfiguration(host: "127.0.0.1", port: 0, heartbeatInterval: .seconds(30), nodeID: "test")
        configure(&configuration)
        let node = try await start(configuration, bus: bus, hooks: hooks, renderer: renderer)
        let result: Result
        do {
            result = try await body(node)
        } catch {
            // The body's failure is the one to report; the node is stopped all the same.
            try? await node.stop()
            throw error
        }
        try await node.stop()
        return result
    }

    private static func start(_ configuration: NodeConfiguration, bus: any Bus, hooks: ChorusHooks, renderer: ChangeRenderer?) async throws -> TestNode {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let node = ChorusNode(configuration: configuration, bus: bus, hooks: hooks, renderer: renderer, logger: logger)
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = node.makeApplication { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        }
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = await task.result
            throw ChorusClientError("the test node did not start")
        }
        return TestNode(node: node, port: port, group: group, task: task)
    }

    /// A client that sends `key` as its bearer credential.
    public func client(key: String?) -> ChorusHTTPClient {
        ChorusHTTPClient(endpoint: Endpoint(host: "127.0.0.1", port: port), bearerToken: key)
    }

    /// Opens a stream and starts collecting its events; a `token` goes in the `token` parameter,
    /// `presence` asks for presence events.
    public func subscribe(_ scopes: [String], session: String? = nil, lastEventID: String? = nil, token: String? = nil, presence: Bool = false) async throws -> EventCollector {
        var query: [(String, String)] = []
        if let token { query.append(("token", token)) }
        if presence { query.append(("presence", "1")) }
        let stream = try await client.subscribe(scopes: scopes, session: session, lastEventID: lastEventID, extraQuery: query)
        return EventCollector(stream)
    }

    /// Publishes one event through `POST /publish` and returns its id.
    @discardableResult
    public func publish(_ scope: String, _ data: String, event: String? = nil, origin: String? = nil, audience: Set<String>? = nil, key: String? = nil) async throws -> EventID {
        let ids = try await client(key: key).publish([Envelope(scope: scope, event: event, data: data, origin: origin, audience: audience)])
        return ids[0]
    }

    /// Posts a raw publish body.
    public func postPublish(_ body: String, contentType: String = "application/json") async throws -> HTTPResult {
        try await client.send(.POST, "/publish", headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    /// Graceful shutdown, as on SIGTERM, inside the scope (for tests of shutdown itself); waits for
    /// the node to stop, as long as ``stopTimeout`` at most. The scope's end then does nothing more.
    public func shutdown() async throws {
        try await stop()
    }

    /// Triggers a graceful shutdown and waits for the node to stop. Past ``stopTimeout`` the node's
    /// task is cancelled, which makes Hummingbird close every connection, and this throws.
    private func stop() async throws {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        await group.triggerGracefulShutdown()
        let task = self.task
        let stoppedInTime = await withTaskGroup(of: Bool.self) { waits in
            waits.addTask {
                _ = await task.result
                return true
            }
            waits.addTask {
                try? await Task.sleep(for: Self.stopTimeout)
                return false
            }
            let inTime = await waits.next() ?? false
            // Awaiting a task's result does not end on cancellation: cancel the node itself.
            if !inTime { task.cancel() }
            waits.cancelAll()
            return inTime
        }
        guard stoppedInTime else {
            _ = await task.result
            throw ChorusClientError("the test node did not stop gracefully within \(Self.stopTimeout); it was cancelled")
        }
        try await task.value
    }
}
