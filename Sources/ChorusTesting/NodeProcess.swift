import ChorusClient
import Foundation
import NIOHTTP1

/// A `chorus serve` process on a free loopback port, for cluster tests. Started from the binary
/// SwiftPM built next to the test bundle (or `CHORUS_BIN`), stopped by its PID.
public final class NodeProcess: Sendable {
    /// The node's port on 127.0.0.1.
    public let port: Int
    /// The process.
    public let process: ChildProcess
    /// The publisher key the node was started with, if any.
    public let publisherKey: String?
    /// A client for this node that sends the publisher key.
    public var client: ChorusHTTPClient { ChorusHTTPClient(endpoint: endpoint, bearerToken: publisherKey) }
    /// A client for this node without any credential.
    public var anonymousClient: ChorusHTTPClient { ChorusHTTPClient(endpoint: endpoint) }
    /// `http://127.0.0.1:<port>`.
    public var endpoint: Endpoint { Endpoint(host: "127.0.0.1", port: port) }

    private init(port: Int, process: ChildProcess, publisherKey: String?) {
        self.port = port
        self.process = process
        self.publisherKey = publisherKey
    }

    /// The `chorus` binary: `CHORUS_BIN`, or the one built beside the running test bundle.
    public static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["CHORUS_BIN"], !path.isEmpty { return path }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the test runner is `<bin>/<package>PackageTests.xctest`; on macOS a bundle inside <bin>.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("chorus").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        throw ChildProcessError("cannot find the chorus binary next to \(executable); build it (swift build) or set CHORUS_BIN")
    }

    /// Starts a node with `arguments` added to `serve --host 127.0.0.1 --port <free>` and waits
    /// until `/readyz` answers 200 (or `/healthz`, when `waitForReady` is false). With a
    /// `publisherKey`, the node gets `--publisher-key` and ``client`` sends it.
    public static func start(_ arguments: [String] = [], nodeID: String? = nil, publisherKey: String? = nil, waitForReady: Bool = true) async throws -> NodeProcess {
        let binary = try binary()
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = FreePort.next()
            // No drain unless a test asks for one (a later flag wins): stopping a test node is quick.
            var all = ["serve", "--host", "127.0.0.1", "--port", "\(port)", "--log-level", "info", "--drain-delay", "0", "--drain-window", "0"]
            if let nodeID { all += ["--node-id", nodeID] }
            if let publisherKey { all += ["--publisher-key", publisherKey] }
            let process = try ChildProcess(executable: binary, arguments: all + arguments)
            let node = NodeProcess(port: port, process: process, publisherKey: publisherKey)
            let path = waitForReady ? "/readyz" : "/healthz"
            let up = await eventually(timeout: .seconds(20), poll: .milliseconds(50)) {
                guard process.isRunning else { return true }
                return (try? await node.client.send(.GET, path).status) == 200
            }
            if up && process.isRunning { return node }
            lastError = ChildProcessError("node on port \(port) did not become ready: \(process.output.suffix(2000))")
            await process.stop()
        }
        throw lastError!
    }

    /// Subscribes to `scopes` on this node and collects the events: anonymously, or with a
    /// subscriber `token` (as the `token` query parameter, like a browser); `presence` asks for
    /// `join`/`leave` events.
    public func subscribe(_ scopes: [String], session: String? = nil, lastEventID: String? = nil, token: String? = nil, presence: Bool = false) async throws -> EventCollector {
        var query: [(String, String)] = []
        if let token { query.append(("token", token)) }
        if presence { query.append(("presence", "1")) }
        return EventCollector(try await anonymousClient.subscribe(scopes: scopes, session: session, lastEventID: lastEventID, extraQuery: query))
    }

    /// Stops the node gracefully (SIGTERM) and returns its exit status.
    @discardableResult
    public func stop() async -> Int32 {
        await process.stop()
    }

    /// Kills the node with SIGKILL.
    public func kill9() async {
        await process.kill9()
    }
}
