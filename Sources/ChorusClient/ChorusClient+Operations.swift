import AsyncHTTPClient
import ChorusCore
import NIOCore
import NIOHTTP1

extension ChorusClient {
    /// Publishes `envelopes` (their ids are ignored) with one `POST /publish` and returns the ids
    /// the node assigned, in order.
    ///
    /// Every attempt sends the same `Idempotency-Key`: `idempotencyKey`, or a random one made for
    /// this call. So a retry after `503 outcome-unknown` or a broken connection publishes the events
    /// at most once and returns the ids of the first publish. Pass your own key to keep that
    /// promise across calls (for example when your process restarts and publishes again).
    ///
    /// Throws a ``ChorusError``: ``ChorusError/Code/refused`` (nothing was published),
    /// ``ChorusError/Code/unavailable``, ``ChorusError/Code/connectionFailed`` (nothing was
    /// published) or ``ChorusError/Code/outcomeUnknown`` (retrying with the same key is safe) once
    /// the retries are used up; `CancellationError` when the task is cancelled.
    public func publish(_ envelopes: [Envelope], idempotencyKey: String? = nil) async throws -> [EventID] {
        let key = idempotencyKey ?? IdempotencyKey.random()
        if let problem = IdempotencyKey.problem(key) { throw ChorusError(.invalidArgument, message: problem) }
        guard !envelopes.isEmpty else { throw ChorusError(.invalidArgument, message: "nothing to publish") }
        var request = request(.POST, "/publish")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: key)
        request.body = .bytes(ByteBuffer(bytes: ChorusHTTPClient.publishBody(envelopes)))
        let body = try await perform("publish", request, expecting: [200, 201, 202], idempotencyKey: key)
        guard case .array(let items)? = (try? JSONParser.parse(body))?["ids"] else {
            throw ChorusError(.invalidResponse, message: "publish answered without ids: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        let ids = items.compactMap { item -> EventID? in
            if case .string(let text) = item { EventID(text) } else { nil }
        }
        guard ids.count == envelopes.count else {
            throw ChorusError(.invalidResponse, message: "publish answered \(ids.count) ids for \(envelopes.count) events")
        }
        return ids
    }

    /// The connections present in `scope` on every live node of the cluster (`GET /presence/{scope}`).
    ///
    /// The node does not tell connection ids: ``PresenceEntry/connectionID`` is empty.
    public func presence(scope: String) async throws -> [PresenceEntry] {
        guard !scope.isEmpty else { throw ChorusError(.invalidArgument, message: "the scope is empty") }
        let body = try await perform("presence", request(.GET, "/presence/\(PercentEncoding.encode(scope))"), expecting: [200])
        guard case .array(let connections)? = (try? JSONParser.parse(body))?["connections"] else {
            throw ChorusError(.invalidResponse, message: "presence answered without connections: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        return try connections.map { connection in
            guard case .string(let node)? = connection["node"], case .number(let since)? = connection["connectedAt"], let connectedAt = UInt64(since) else {
                throw ChorusError(.invalidResponse, message: "a presence entry without node or connectedAt: \(connection.serialized)")
            }
            return PresenceEntry(
                scope: Self.string(connection["scope"]) ?? scope,
                connectionID: "",
                userID: Self.string(connection["user"]),
                sessionID: Self.string(connection["session"]),
                nodeID: node,
                connectedAt: connectedAt
            )
        }
    }

    /// Ends `userID`'s streams on every node (only those subscribed to `scope`, when given), with
    /// a `close` event that tells them not to reconnect (`POST /users/{id}/close`). Returns once
    /// the node accepted the instruction; sending it twice is harmless, so it is retried like a
    /// publish.
    public func closeUser(_ userID: String, scope: String? = nil) async throws {
        guard !userID.isEmpty else { throw ChorusError(.invalidArgument, message: "the user id is empty") }
        var route = "/users/\(PercentEncoding.encode(userID))/close"
        if let scope { route += "?scope=\(PercentEncoding.encode(scope))" }
        _ = try await perform("close-user", request(.POST, route), expecting: [200, 202])
    }

    /// The text of a JSON string; `nil` for anything else (`null`, a missing member).
    static func string(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { text } else { nil }
    }
}
