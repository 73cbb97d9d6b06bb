import ChorusCore
import DequeModule
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

        let channel = context.channel
        guard let connection = hub.register(subscription, wantsPresence: wantsPresence, queueCapacity: configuration.queueCapacity, abort: { channel.close(promise: nil) }) else {
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
            logger.debug("stream opened", metadata: ["chorus.conn": "\(connection.id)"])
            do {
                try await request.body.consumeWithInboundCloseHandler { _ in
                    try await withGracefulShutdownHandler {
                        try await Self.write(connection, initial: initialFrames, after: resumeAfter, to: &writer)
                    } onGracefulShutdown: {
                        connection.close(.shutdown)
                    }
                } onInboundClosed: {
                    connection.queue.close(.clientGone)
                }
            } catch {
                hub.remove(connection)
                await lifecycle.disconnected(connection)
                logger.debug("stream ended by a write error: \(error)", metadata: ["chorus.conn": "\(connection.id)"])
                throw error
            }
            hub.remove(connection)
            await lifecycle.disconnected(connection)
            logger.debug("stream closed", metadata: ["chorus.conn": "\(connection.id)"])
            try await writer.finish(nil)
        })
    }

    /// The writer loop: the initial frames, then batches from the queue until it closes.
    private static func write(
        _ connection: Connection,
        initial: [ByteBuffer],
        after lastEventID: EventID?,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        try await writer.write(contentsOf: initial)
        var lastSent = lastEventID
        var batch = Deque<Outbound>()
        var buffers: [ByteBuffer] = []
        while true {
            let next = await connection.queue.next(into: &batch)
            buffers.removeAll(keepingCapacity: true)
            for item in batch {
                if let id = item.id {
                    if let last = lastSent, id <= last { continue }
                    lastSent = id
                }
                buffers.append(item.bytes)
            }
            batch.removeAll(keepingCapacity: true)
            if !buffers.isEmpty {
                try await writer.write(contentsOf: buffers)
            }
            if case .closed = next { return }
        }
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
