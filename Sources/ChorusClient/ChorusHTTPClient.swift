import ChorusCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small raw HTTP/1.1 client for Chorus nodes, on SwiftNIO: any request, one connection each,
/// `http://` only, no retries. The tests use it to send exactly the bytes they mean to.
///
/// Backends use ``ChorusClient`` instead: TLS, a keep-alive pool, a base URL with a path,
/// retries that reuse the idempotency key, typed errors.
public struct ChorusHTTPClient: Sendable {
    /// The node.
    public let endpoint: Endpoint
    /// Sent as `Authorization: Bearer …` when set.
    public var bearerToken: String?
    private let group: any EventLoopGroup

    /// Creates a client for the node at `endpoint`.
    public init(endpoint: Endpoint, bearerToken: String? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.endpoint = endpoint
        self.bearerToken = bearerToken
        self.group = group
    }

    private var authorization: [(String, String)] {
        bearerToken.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    /// Sends any request and returns the whole response.
    public func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> HTTPResult {
        try await HTTPExchange.send(method, endpoint, path: path, headers: authorization + headers, body: body, group: group)
    }

    /// Publishes envelopes (their ids are ignored) and returns the ids the node assigned.
    /// Throws a ``ChorusClientError`` with the node's status, error code and message when it
    /// refuses.
    ///
    /// With an `idempotencyKey` (sent as `Idempotency-Key`), retrying after any failure with the
    /// same key and events publishes at most once and returns the original ids; without one, a
    /// retry after `503 outcome-unknown` or a lost connection may publish the events twice.
    public func publish(_ envelopes: [Envelope], idempotencyKey: String? = nil) async throws -> [EventID] {
        var headers = [("Content-Type", "application/json")]
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let result = try await send(.POST, "/publish", headers: headers, body: Self.publishBody(envelopes))
        guard result.status == 202 else {
            let error = try? JSONParser.parse(result.body)["error"]
            let code: String? = if case .string(let code)? = error?["code"] { code } else { nil }
            throw ChorusClientError(
                "publish refused with \(result.status): \(result.text)",
                status: result.status,
                code: code,
                retryAfterSeconds: result.headers["Retry-After"].first.flatMap { Int($0) }
            )
        }
        guard case .array(let items)? = try? JSONParser.parse(result.body)["ids"] else {
            throw ChorusClientError("publish answered 202 without ids: \(result.text)")
        }
        return items.compactMap { item in
            if case .string(let text) = item { return EventID(text) } else { return nil }
        }
    }

    /// The JSON body `POST /publish` takes for `envelopes`.
    public static func publishBody(_ envelopes: [Envelope]) -> [UInt8] {
        let objects: [JSONValue] = envelopes.map { envelope in
            var members: [(key: String, value: JSONValue)] = [("scope", .string(envelope.scope))]
            if let event = envelope.event { members.append(("event", .string(event))) }
            members.append(("data", .string(envelope.data)))
            if !envelope.paths.isEmpty { members.append(("paths", .array(envelope.paths.map(JSONValue.string)))) }
            if let origin = envelope.origin { members.append(("origin", .string(origin))) }
            if let audience = envelope.audience { members.append(("audience", .array(audience.sorted().map(JSONValue.string)))) }
            return .object(members)
        }
        var body: [UInt8] = []
        JSONWriter.write(objects.count == 1 ? objects[0] : .array(objects), into: &body)
        return body
    }

    /// Opens `GET /events` for `scopes`. Returns once the response head arrived (check `status`).
    public func subscribe(
        scopes: [String],
        session: String? = nil,
        lastEventID: String? = nil,
        extraQuery: [(String, String)] = [],
        headers: [(String, String)] = []
    ) async throws -> EventStream {
        var query = scopes.map { ("scope", $0) }
        if let session { query.append(("session", session)) }
        query += extraQuery
        var requestHeaders = authorization + headers + [("Accept", "text/event-stream")]
        if let lastEventID { requestHeaders.append(("Last-Event-ID", lastEventID)) }
        return try await stream(path: "/events?" + Self.queryString(query), headers: requestHeaders)
    }

    /// Opens any streaming GET and parses its body as an event stream.
    public func stream(path: String, headers: [(String, String)] = []) async throws -> EventStream {
        let channel = try await HTTPExchange.connect(endpoint, group: group)
        let head = HTTPExchange.head(.GET, endpoint, path: path, headers: headers, bodyLength: nil)
        let (events, sink) = AsyncThrowingStream<SSEParser.Event, any Error>.makeStream()
        let (heads, headSink) = AsyncStream<HTTPResponseHead?>.makeStream()
        let counters = StreamCounters()
        let reader = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(contentsOf: [.head(head), .end(nil)])
                    var parser = SSEParser()
                    for try await part in inbound {
                        switch part {
                        case .head(let responseHead):
                            headSink.yield(responseHead)
                            headSink.finish()
                        case .body(let buffer):
                            for event in parser.feed(buffer.readableBytesView) { sink.yield(event) }
                            counters.record(parser: parser, bytes: buffer.readableBytes)
                        case .end:
                            sink.finish()
                            return
                        }
                    }
                    sink.finish()
                }
            } catch {
                sink.finish(throwing: error)
            }
            headSink.finish()
        }
        var iterator = heads.makeAsyncIterator()
        guard let responseHead = await iterator.next() ?? nil else {
            reader.cancel()
            throw ChorusClientError("the connection closed before a response arrived")
        }
        return EventStream(
            status: Int(responseHead.status.code),
            headers: responseHead.headers,
            events: events,
            counters: counters,
            channel: channel.channel,
            reader: reader
        )
    }

    static func queryString(_ items: [(String, String)]) -> String {
        items.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }
}
