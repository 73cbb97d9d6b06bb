import ChorusCore
import CoreMetrics
import Hummingbird
import Logging

/// `POST /events/tabs` with `{"stream":"<key>","tabs":["<session>",…]}`: the leader tab of a shared
/// stream says which tabs it now carries, and the stream's presence entries follow (a `join` for
/// each new tab, a `leave` for each gone one).
///
/// The key, from the stream's first event, is the credential: only the client that reads the
/// stream knows it. Answers `204`; `404 unknown-stream` when this node holds no open stream with
/// that key (it ended, or a load balancer sent the request to another node): the leader then
/// reopens its stream with the new `tabs=`.
struct SharedTabsController {
    let hub: Hub
    let lifecycle: ConnectionLifecycle
    let configuration: NodeConfiguration

    /// The largest body accepted.
    static let maximumBytes = 64 * 1024

    func update(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        var request = request
        let body: JSONValue
        do {
            let bytes = try await request.collectBody(upTo: Self.maximumBytes)
            body = try JSONParser.parse(Array(buffer: bytes))
        } catch {
            throw APIError.badRequest("invalid-json", "the body must be JSON of at most \(Self.maximumBytes) bytes: {\"stream\":\"…\",\"tabs\":[\"…\"]}")
        }
        guard case .string(let key)? = body["stream"], case .array(let list)? = body["tabs"] else {
            throw APIError.badRequest("invalid-tabs", "the body must be {\"stream\":\"<key from the chorus-stream event>\",\"tabs\":[\"<session>\",…]}")
        }
        var sessions: [String] = []
        for item in list {
            guard case .string(let session) = item else {
                throw APIError.badRequest("invalid-tabs", "each tab is a session id string")
            }
            sessions.append(session)
        }
        guard let connection = hub.sharedStreams.connection(forKey: key), let shared = connection.shared else {
            throw APIError(.notFound, code: "unknown-stream", message: "this node holds no open shared stream with that key; reopen the stream with tabs=")
        }
        try SharedTabs.validate(sessions, subscription: connection.subscription, configuration: configuration)
        guard let (added, removed) = shared.replace(with: sessions, now: wallClockMilliseconds()) else {
            throw APIError(.notFound, code: "unknown-stream", message: "the shared stream has ended; reopen it with tabs=")
        }
        await lifecycle.tabsChanged(on: connection, added: added, removed: removed)
        return Response(status: .noContent)
    }
}

extension ConnectionLifecycle {
    /// Follows a shared stream's tab change in presence: a join for each added tab, a leave for
    /// each removed one.
    func tabsChanged(on connection: Connection, added: [SharedTabs.Tab], removed: [SharedTabs.Tab]) async {
        guard recordsPresence(of: connection.info), let shared = connection.shared else { return }
        let adding = SharedTabs.presenceEntries(of: added, on: connection, nodeID: nodeID)
        let removing = SharedTabs.presenceEntries(of: removed, on: connection, nodeID: nodeID)
        presenceEntries.increment(by: Double(adding.count))
        presenceEntries.decrement(by: Double(removing.count))
        do {
            if !removing.isEmpty { try await bus.removePresence(removing) }
            if !adding.isEmpty { try await bus.addPresence(adding) }
            // The stream may have ended while the entries were written, after its own removal
            // read the tabs: take them out again rather than leave a ghost.
            if shared.isClosed, !adding.isEmpty { try await bus.removePresence(adding) }
        } catch {
            logger.warning("could not update a shared stream's presence", metadata: ["chorus.conn": "\(connection.id)", "chorus.error": "\(error)"])
        }
    }
}
