import AsyncHTTPClient
import ChorusAuth
import ChorusClient
import ChorusCore
import ChorusTesting
import Synchronization

/// Runs `body` with an HTTPClient made for Chorus and shuts it down afterwards, also when `body` throws.
func withHTTPClient<R>(additionalCAFile: String? = nil, connectTimeout: Duration = .seconds(5), _ body: (HTTPClient) async throws -> R) async throws -> R {
    let http = ChorusClient.makeHTTPClient(connectTimeout: connectTimeout, additionalCAFile: additionalCAFile)
    do {
        let result = try await body(http)
        try await http.shutdown()
        return result
    } catch {
        try? await http.shutdown()
        throw error
    }
}

/// A subscriber token for `user`, valid for an hour, signed with the test cluster's secret.
func token(_ user: String) async throws -> String {
    try await TokenIssuer(secret: LocalCluster.tokenSecret).token(userID: user, expiresAt: wallClockMilliseconds() + 3_600_000)
}

/// Starts a node with the test cluster's publisher key and token secret (no Redis), runs `body`.
func withNode<R>(_ body: (NodeProcess) async throws -> R) async throws -> R {
    let node = try await NodeProcess.start(["--token-secret", LocalCluster.tokenSecret], publisherKey: LocalCluster.publisherKey)
    do {
        let result = try await body(node)
        await node.stop()
        return result
    } catch {
        await node.stop()
        throw error
    }
}

/// What a ChorusClient operation threw, as a ChorusError (or `nil` when it did not throw one).
func chorusError(_ operation: () async throws -> Void) async -> ChorusError? {
    do {
        try await operation()
        return nil
    } catch {
        return error as? ChorusError
    }
}

/// Reads up to `count` events from `iterator` (fewer if the stream ends).
func next(_ count: Int, from iterator: inout ChorusEventStream.AsyncIterator) async throws -> [ServerSentEvent] {
    var events: [ServerSentEvent] = []
    while events.count < count, let event = try await iterator.next() { events.append(event) }
    return events
}

/// A value that escaping closures (retry callbacks, tasks) update and the test reads.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }
}
