import ChorusCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /events?scope=a&scope=b`: the browser-facing `text/event-stream`.
///
/// Who the subscriber is comes from its token (``SubscriberAuthenticator``): `401` for a bad one,
/// `403` for a scope it does not allow. With `presence=1` the stream also gets `join`/`leave`
/// events for its scopes. The connection is in the cluster's presence list while it is open.
///
/// In order: a `retry:` line; if the request carries `Last-Event-ID` (header, or `lastEventId`
/// query parameter for clients that cannot set headers), every missed event that the delivery rule
/// lets through, or a `reset` event if the history no longer has them all; then live events, with
/// heartbeat comments when idle. The connection is registered with the Hub *before* the history is
/// read and live events already covered by the replay are dropped by id, so the switch from
/// replay to live has neither a gap nor a duplicate.
struct EventsController {
    let hub: Hub
    let bus: any Bus
    let configuration: NodeConfiguration
    let lifecycle: ConnectionLifecycle
    let renderer: ChangeRenderer?
    let logger: Logger

    func stream(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let subscription = try await subscription(from: request)
        let lastEventID = try lastEventID(from: request)
        let wantsPresence = ["1", "true", "yes"].contains(request.uri.queryParameters.get("presence").map { String($0) } ?? "")

        guard let connection = hub.register(subscription, wantsPresence: wantsPresence, queueCapacity: configuration.queueCapacity, channel: context.channel) else {
            throw APIError.unavailable("this node holds its maximum of \(configuration.maximumConnections) connections; try another node", retryAfterSeconds: 5)
        }
        await lifecycle.connected(connection)

        var initial = [ControlFrames.retry(configuration.retryInterval)]
        var lastSent = lastEventID
        if let after = lastEventID {
            let replay: Replay
            do {
                replay = try await bus.replay(after: after)
            } catch {
                hub.remove(connection)
                await lifecycle.disconnected(connection)
                throw APIError.unavailable("the history is unavailable, cannot resume after \(after): \(error.message)")
            }
            if replay.isComplete {
                var changes: [Envelope] = []
                for envelope in replay.events where DeliveryRule.delivers(envelope, to: subscription) {
                    if renderer != nil, !envelope.paths.isEmpty {
                        changes.append(envelope)
                    } else if let bytes = try? SSEEncoder.encode(ServerSentEvent(envelope)) {
                        initial.append(ByteBuffer(bytes: bytes))
                    }
                }
                if let renderer, !changes.isEmpty {
                    // Rendered from current data, so they stand for everything replayed: they
                    // carry the last replayed id, never an older one.
                    for change in ChangeFrames.merge(changes) {
                        let events = await renderer.render(change, subscription.info.userID)
                        if let frames = ChangeFrames.encode(events, id: replay.events.last?.id, logger: logger) {
                            initial.append(frames)
                        }
                    }
                }
            } else {
                initial.append(ControlFrames.reset(id: replay.events.last?.id))
            }
            lastSent = replay.events.last?.id ?? after
        }

        let hub = self.hub
        let lifecycle = self.lifecycle
        let logger = self.logger
        let initialFrames = initial
        let resumeAfter = lastSent
        var headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
        ]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Hummingbird has written the head; from here the stream's frames go straight to the
            // socket from the Hub's event-loop tasks, and this task only waits for the end.
            logger.debug("stream opened", metadata: ["chorus.conn": "\(connection.id)"])
            let reason = await withGracefulShutdownHandler {
                await connection.writer.run(initial: initialFrames, after: resumeAfter)
            } onGracefulShutdown: {
                connection.close(.shutdown)
            }
            if reason == .overflow {
                logger.info("disconnecting a slow client: it fell too far behind", metadata: ["chorus.conn": "\(connection.id)"])
            }
            hub.remove(connection)
            await lifecycle.disconnected(connection)
            logger.debug("stream closed: \(reason.rawValue)", metadata: ["chorus.conn": "\(connection.id)"])
            // The chunked body's end; fails (and Hummingbird closes) if the client is gone.
            try await writer.finish(nil)
        })
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
        let session = (query.get("session") ?? query.get("tab")).flatMap { $0.isEmpty ? nil : $0 }
        if let session, session.utf8.count > PublishRequest.maximumNameLength {
            throw APIError.badRequest("invalid-session", "the session id is longer than \(PublishRequest.maximumNameLength) bytes")
        }
        let identity = try await SubscriberAuthenticator(configuration: configuration.auth).authenticate(request, scopes: scopes)
        let info = ConnectionInfo(sessionID: session, userID: identity.userID, connectedAt: wallClockMilliseconds(), expiresAt: identity.expiresAt)
        return Subscription(scopes: Set(scopes), info: info)
    }

    private func lastEventID(from request: Request) throws -> EventID? {
        let text = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters.get("lastEventId").map { String($0) }
        guard let text, !text.isEmpty else { return nil }
        guard let id = EventID(text) else {
            throw APIError.badRequest("invalid-last-event-id", "Last-Event-ID '\(text.prefix(64))' is not an event id of the form <milliseconds>-<sequence>")
        }
        return id
    }
}
