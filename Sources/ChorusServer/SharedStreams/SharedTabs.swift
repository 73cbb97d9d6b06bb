import ChorusCore
import Hummingbird
import HummingbirdCore
import NIOCore
import Synchronization

/// What makes a stream *shared* (`GET /events?shared=1&tabs=A&tabs=B…`): one connection that a
/// leader tab holds for all the tabs of its browser that open the same stream, relaying each frame
/// to them (chorus.js, `{shared: true}`).
///
/// - The stream has no session of its own, so the node suppresses no echo on it: each event carries
///   its origin and scope (``SharedFields``) and the leader filters per tab.
/// - Presence shows each tab: one entry per tab and scope, for the tab sessions in `tabs=`; the
///   leader reports later changes with `POST /events/tabs` (``SharedTabsController``), using the
///   stream's key, which only the stream's first event (``greeting()``) tells.
/// - That first event, `chorus-stream`, also carries the position before the stream was registered,
///   where a next leader resumes if no tab has seen an event yet.
final class SharedTabs: Sendable {
    /// The most tabs one shared stream carries.
    static let maximumTabs = 32
    /// The event name of the greeting.
    static let greetingEventName = "chorus-stream"

    /// One tab the stream carries.
    struct Tab: Sendable, Hashable {
        /// The tab's session id (its origin when it publishes).
        var session: String
        /// Numbers the tab's presence entries within the connection.
        var entry: Int
        /// When the stream began to carry it, in milliseconds since the Unix epoch.
        var since: UInt64
    }

    private struct State {
        var tabs: [Tab] = []
        var nextEntry = 0
        var closed = false
    }

    /// The capability that lets the leader change the tabs (128 random bits).
    let key: String
    /// The bus position read before the stream was registered.
    let resumeFloor: EventID?
    private let state: Mutex<State>

    /// Whether the query parameters (already parsed) ask for a shared stream.
    static func isRequested(_ query: FlatDictionary<Substring, Substring>) -> Bool {
        guard let value = query.get("shared") else { return false }
        return value == "1" || value == "true" || value == "yes"
    }

    /// Whether the request target has a `shared=` query parameter at all: checked (without
    /// allocating) before the query is parsed again, so a normal stream's setup costs nothing more.
    private static func mentionsShared(_ target: String) -> Bool {
        let bytes = target.utf8
        var atStart = false
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if atStart, bytes[index...].starts(with: "shared=".utf8) { return true }
            atStart = bytes[index] == UInt8(ascii: "?") || bytes[index] == UInt8(ascii: "&")
            index = bytes.index(after: index)
        }
        return false
    }

    /// The shared-stream state for `request`, or `nil` if it does not ask for one. Throws a `400`
    /// for a bad tab list or one whose presence would be too large.
    static func from(_ request: Request, subscription: Subscription, configuration: NodeConfiguration, bus: any Bus) async throws -> SharedTabs? {
        guard mentionsShared(request.uri.string) else { return nil }
        let query = request.uri.queryParameters
        guard isRequested(query) else { return nil }
        let sessions = query.getAll("tabs").map { String($0) }
        try validate(sessions, subscription: subscription, configuration: configuration)
        let floor = try? await bus.position()
        return SharedTabs(sessions: sessions, resumeFloor: floor ?? nil, now: subscription.info.connectedAt)
    }

    private init(sessions: [String], resumeFloor: EventID?, now: UInt64) {
        key = String(UInt64.random(in: 0 ... .max), radix: 16) + String(UInt64.random(in: 0 ... .max), radix: 16)
        self.resumeFloor = resumeFloor
        var state = State()
        for session in sessions {
            state.tabs.append(Tab(session: session, entry: state.nextEntry, since: now))
            state.nextEntry += 1
        }
        self.state = Mutex(state)
    }

    /// Refuses tab lists that are malformed, too long, or whose presence would be too large.
    static func validate(_ sessions: [String], subscription: Subscription, configuration: NodeConfiguration) throws(APIError) {
        guard sessions.count <= maximumTabs else {
            throw APIError.badRequest("too-many-tabs", "a shared stream carries at most \(maximumTabs) tabs")
        }
        for session in sessions {
            guard !session.isEmpty, session.utf8.count <= PublishRequest.maximumNameLength, !session.utf8.contains(0) else {
                throw APIError.badRequest("invalid-session", "a tab's session id must be 1 to \(PublishRequest.maximumNameLength) bytes with no NUL character")
            }
        }
        guard Set(sessions.map(ExactString.init)).count == sessions.count else {
            throw APIError.badRequest("invalid-session", "a tab's session id is named twice")
        }
        let perEntry = (subscription.info.userID?.utf8.count ?? 0) + configuration.nodeID.utf8.count + PresenceEntry.overheadBytes
        let bytes = subscription.scopes.reduce(0) { total, scope in
            total + sessions.reduce(0) { $0 + scope.utf8.count + $1.utf8.count + perEntry }
        }
        guard bytes <= configuration.maximumPresenceBytes else {
            throw APIError.badRequest("presence-too-large", "this shared stream's presence would take \(bytes) bytes (\(sessions.count) tabs × \(subscription.scopes.count) scopes; at most \(configuration.maximumPresenceBytes))")
        }
    }

    /// The stream's first event: `{"stream":"<key>","resumeFrom":"<id>"|null}`.
    func greeting() -> ByteBuffer {
        let data = JSONValue.object([
            ("stream", .string(key)),
            ("resumeFrom", resumeFloor.map { .string($0.description) } ?? .null),
        ])
        // Encoding fails only for a name with a line break or a bad id; this has a fixed name, no id.
        let frame = (try? SSEEncoder.encode(ServerSentEvent(event: Self.greetingEventName, data: data.serialized))) ?? []
        return ByteBuffer(bytes: frame)
    }

    /// The tabs carried now.
    var tabs: [Tab] { state.withLock { $0.tabs } }

    /// Whether the stream has ended (its tabs can no longer change).
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Makes `sessions` the tabs carried (kept tabs keep their entries); returns what was added and
    /// removed, or `nil` once the stream has ended.
    func replace(with sessions: [String], now: UInt64) -> (added: [Tab], removed: [Tab])? {
        state.withLock { state in
            guard !state.closed else { return nil }
            let wanted = Set(sessions.map(ExactString.init))
            let removed = state.tabs.filter { !wanted.contains(ExactString($0.session)) }
            let kept = Set(state.tabs.map { ExactString($0.session) })
            var added: [Tab] = []
            for session in sessions where !kept.contains(ExactString(session)) {
                added.append(Tab(session: session, entry: state.nextEntry, since: now))
                state.nextEntry += 1
            }
            state.tabs = state.tabs.filter { wanted.contains(ExactString($0.session)) } + added
            return (added, removed)
        }
    }

    /// Ends the tab list (the stream ended); returns the tabs carried last.
    func close() -> [Tab] {
        state.withLock { state in
            state.closed = true
            return state.tabs
        }
    }

    /// The presence entries of `tabs` on `connection`: one per tab and scope.
    static func presenceEntries(of tabs: [Tab], on connection: Connection, nodeID: String) -> [PresenceEntry] {
        connection.subscription.scopes.sorted().flatMap { scope in
            tabs.map { tab in
                PresenceEntry(
                    scope: scope, connectionID: "\(connection.presenceID)~\(tab.entry)", userID: connection.info.userID,
                    sessionID: tab.session, nodeID: nodeID, connectedAt: tab.since
                )
            }
        }
    }
}
