import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real node in this process on a free loopback port, with a real HTTP client pointed at it.
final class TestNode: Sendable {
    let node: ChorusNode
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    var client: ChorusHTTPClient { ChorusHTTPClient(endpoint: Endpoint(host: "127.0.0.1", port: port)) }
    var hub: Hub { node.hub }

    private init(node: ChorusNode, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.node = node
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts a node with `configure` applied to a test configuration (port 0, short heartbeat).
    static func start(
        bus: any Bus = InMemoryBus(historyCapacity: 1000),
        hooks: ChorusHooks = .init(),
        renderer: ChangeRenderer? = nil,
        _ configure: (inout NodeConfiguration) -> Void = { _ in }
    ) async throws -> TestNode {
        var configuration = NodeConfiguration(host: "127.0.0.1", port: 0, heartbeatInterval: .seconds(30), nodeID: "test")
        configure(&configuration)
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
            throw ChorusClientError("the test node did not start")
        }
        return TestNode(node: node, port: port, group: group, task: task)
    }

    /// A client that sends `key` as its bearer credential.
    func client(key: String?) -> ChorusHTTPClient {
        ChorusHTTPClient(endpoint: Endpoint(host: "127.0.0.1", port: port), bearerToken: key)
    }

    /// Opens a stream and starts collecting its events; a `token` goes in the `token` parameter.
    func subscribe(_ scopes: [String], session: String? = nil, lastEventID: String? = nil, token: String? = nil, presence: Bool = false) async throws -> EventCollector {
        var query: [(String, String)] = []
        if let token { query.append(("token", token)) }
        if presence { query.append(("presence", "1")) }
        let stream = try await client.subscribe(scopes: scopes, session: session, lastEventID: lastEventID, extraQuery: query)
        return EventCollector(stream)
    }

    /// Publishes one event through `POST /publish`.
    @discardableResult
    func publish(_ scope: String, _ data: String, event: String? = nil, origin: String? = nil, audience: Set<String>? = nil, key: String? = nil) async throws -> EventID {
        let ids = try await client(key: key).publish([Envelope(scope: scope, event: event, data: data, origin: origin, audience: audience)])
        return ids[0]
    }

    /// Posts a raw publish body.
    func postPublish(_ body: String, contentType: String = "application/json") async throws -> HTTPResult {
        try await client.send(.POST, "/publish", headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    /// Graceful shutdown, as on SIGTERM; waits for the node to stop.
    func shutdown() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    /// Stops the node (gracefully; open streams get their close event).
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
