import ChorusCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `GET /events?scope=a&scope=b`: the browser-facing `text/event-stream`.
///
/// Who the subscriber is comes from its token (``SubscriberAuthenticator``): `401` for a bad one,
/// `403` for a scope it does not allow. With `presence=1` the stream also gets `join`/`leave`
/// events for its scopes. The connection is in the cluster's presence list while it is open.
///
/// In order: a `retry:` line; if the request carries `Last-Event-ID` (header, or `lastEventId`
/// query parameter: the position a page was rendered with, see ``Bus/position()``), every missed event that the delivery rule
/// lets through, or a `reset` event if the history no longer has them all (or never had the id);
/// then live events, with heartbeat comments when idle. The connection is registered with the Hub
/// *before* the history is read and live events already covered by the replay are dropped by id,
/// so the switch from replay to live has neither a gap nor a duplicate.
///
/// The replay is read and written a page at a time, each page once the socket has taken the one
/// before: a client that asks for a long replay and does not read it holds one page, not the
/// history, and is cut off like any slow client.
struct EventsController {
    let hub: Hub
    let bus: any Bus
    let configuration: NodeConfiguration
    let lifecycle: ConnectionLifecycle
    let renderer: ChangeRenderer?
    let logger: Logger

    /// Events in a replay's first page; later pages hold about ``replayPageBytes`` each.
    static let firstReplayPage = 8
    /// About how many bytes of frames one replay page holds: what a stream keeps in memory while
    /// its client reads the replay (or does not).
    static let replayPageBytes = 64 * 1024

    func stream(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        guard let handoff = context.streamHandoff else {
            // Streams are served by the interceptor in the connection's pipeline; a request that
            // reaches this route without one came through a server that is not Chorus's.
            throw APIError(.internalServerError, code: "stream-unsupported", message: "this server cannot serve event streams on this connection")
        }
        let subscription = try await subscription(from: request)
        let shared = try await SharedTabs.from(request, subscription: subscription, configuration: configuration, bus: bus)
        let lastEventID = try lastEventID(from: request)
        let wantsPresence = ["1", "true", "yes"].contains(request.uri.queryParameters.get("presence").map { String($0) } ?? "")
        try checkPresenceSize(of: subscription)

        guard let connection = hub.register(
            subscription, wantsPresence: wantsPresence, queueCapacity: configuration.queueCapacity,
            sendBufferBytes: configuration.streamSendBufferBytes, channel: context.channel, shared: shared
        ) else {
            throw CapacityRefusal(error: APIError.unavailable("this node holds its maximum of \(configuration.maximumConnections) connections; try another node", retryAfterSeconds: 5))
        }
        // From here on everything acquired is released exactly once, whatever the client does.
        let lease = StreamLease(connection: connection, hub: hub, lifecycle: lifecycle)
        await lifecycle.connected(connection)
        lease.releaseWhenClosed(context.channel)

        let frames = ReplayFrames(subscription: subscription, renderer: renderer, logger: logger, shared: shared != nil)
        var initial = [ControlFrames.retry(configuration.retryInterval)]
        if let shared { initial.append(shared.greeting()) }
        var position = ReplayPosition(after: lastEventID)
        if let after = lastEventID {
            let replay: Replay
            do {
                replay = try await bus.replay(after: after, limit: position.limit)
            } catch {
                await lease.release()
                throw APIError.unavailable("the history is unavailable, cannot resume after \(after): \(error.message)")
            }
            initial += await position.advance(with: replay, frames: frames)
        }

        handoff.offer(PreparedStream(
            connection: connection, lease: lease, initial: initial, position: position,
            bus: bus, frames: frames, metrics: hub.metrics, logger: logger
        ))
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
        ]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        // The head only: the interceptor writes it and starts the stream on the connection's loop.
        return Response(status: .ok, headers: headers)
    }

    private func subscription(from request: Request) async throws -> Subscription {
        let query = request.uri.queryParameters
        let scopes = query.getAll("scope")
        guard !scopes.isEmpty else {
            throw APIError.badRequest("missing-scope", "at least one scope is required: /events?scope=NAME (repeat scope= for several)")
        }
        guard scopes.count <= configuration.maximumScopesPerConnection else {
            throw APIError.badRequest("too-many-scopes", "at most \(configuration.maximumScopesPerConnection) scopes per connection")
        }
        for scope in scopes {
            guard !scope.isEmpty, scope.utf8.count <= PublishRequest.maximumNameLength, !scope.utf8.contains(0) else {
                throw APIError.badRequest("invalid-scope", "a scope must be 1 to \(PublishRequest.maximumNameLength) bytes with no NUL character")
            }
        }
        guard Set(scopes).count == Set(scopes.map(ExactString.init)).count else {
            // As a set of `String` they would become one scope (Swift compares by equivalence).
            throw APIError.badRequest("invalid-scope", "a scope is named twice in different Unicode forms (scopes are compared as exact bytes); open one stream for each")
        }
        // A shared stream has no session: it gets every tab's echo, and its leader filters per tab.
        let session = SharedTabs.isRequested(query) ? nil : (query.get("session") ?? query.get("tab")).flatMap { $0.isEmpty ? nil : $0 }
        if let session, session.utf8.count > PublishRequest.maximumNameLength {
            throw APIError.badRequest("invalid-session", "the session id is longer than \(PublishRequest.maximumNameLength) bytes")
        }
        let identity = try await SubscriberAuthenticator(configuration: configuration.auth).authenticate(request, scopes: scopes)
        let info = ConnectionInfo(sessionID: session, userID: identity.userID, connectedAt: wallClockMilliseconds(), expiresAt: identity.expiresAt)
        return Subscription(scopes: Set(scopes), info: info)
    }

    /// Refuses a stream whose presence entries would take more than the node allows in the bus.
    private func checkPresenceSize(of subscription: Subscription) throws(APIError) {
        guard lifecycle.recordsPresence(of: subscription.info) else { return }
        let perScope = (subscription.info.userID?.utf8.count ?? 0) + (subscription.info.sessionID?.utf8.count ?? 0)
            + configuration.nodeID.utf8.count + PresenceEntry.overheadBytes
        let bytes = subscription.scopes.reduce(0) { $0 + $1.utf8.count + perScope }
        guard bytes <= configuration.maximumPresenceBytes else {
            throw APIError.badRequest("presence-too-large", "this stream's presence would take \(bytes) bytes (\(subscription.scopes.count) scopes; at most \(configuration.maximumPresenceBytes)): subscribe to fewer or shorter scopes, or use a shorter session id")
        }
    }

    /// The id to resume after: the `Last-Event-ID` header, else the `lastEventId` query parameter
    /// (a page rendered with the stream position, or a client that cannot set headers). The
    /// header wins because a browser sends it on reconnect with the newest id it saw, while the
    /// URL keeps the position the page was rendered with. Both are validated when given; empty
    /// counts as absent.
    private func lastEventID(from request: Request) throws -> EventID? {
        let query = try Self.eventID(request.uri.queryParameters.get("lastEventId").map { String($0) }, from: "the lastEventId parameter")
        let header = try Self.eventID(request.headers[HTTPField.Name("Last-Event-ID")!], from: "Last-Event-ID")
        return header ?? query
    }

    private static func eventID(_ text: String?, from source: String) throws -> EventID? {
        guard let text, !text.isEmpty else { return nil }
        guard let id = EventID(text) else {
            throw APIError.badRequest("invalid-last-event-id", "\(source) '\(text.prefix(64))' is not an event id of the form <milliseconds>-<sequence>")
        }
        return id
    }
}
