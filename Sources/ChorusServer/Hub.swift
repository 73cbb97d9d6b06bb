import ChorusCore
import Logging
import NIOCore
import Synchronization

/// The node-local registry of SSE connections, indexed by scope.
///
/// The Hub receives every bus message, applies the delivery rule to the connections of the
/// event's scope, encodes the event's SSE bytes once (only if someone gets it) and puts the same
/// buffer on each matching connection's bounded queue. A connection whose queue is full is cut
/// off, never silently skipped: it reconnects with `Last-Event-ID` and replays what it missed.
public final class Hub: BusReceiver {
    private struct State {
        var connections: [Int: Connection] = [:]
        var byScope: [String: [Int: Connection]] = [:]
        /// The connections whose token expires, so the expiry tick does not scan anonymous ones.
        var expiring: [Int: Connection] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())
    private let logger: Logger
    /// The most connections this hub accepts.
    public let maximumConnections: Int
    /// Makes this hub's presence connection ids unique across nodes and restarts.
    private let instance = String(UInt64.random(in: 0 ... .max), radix: 36)

    /// Creates an empty hub.
    public init(maximumConnections: Int = .max, logger: Logger = Logger(label: "chorus.hub")) {
        self.maximumConnections = maximumConnections
        self.logger = logger
    }

    /// The number of open connections.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// The number of open connections subscribed to `scope`.
    public func connectionCount(scope: String) -> Int {
        state.withLock { $0.byScope[scope]?.count ?? 0 }
    }

    /// The identities of the open connections in `scope`.
    public func connections(in scope: String) -> [ConnectionInfo] {
        state.withLock { $0.byScope[scope]?.values.map(\.info) ?? [] }
    }

    /// Registers a connection; from now on it receives live events. Returns `nil` at the cap.
    func register(_ subscription: Subscription, wantsPresence: Bool = false, queueCapacity: Int, abort: @escaping @Sendable () -> Void) -> Connection? {
        state.withLock { state in
            guard state.connections.count < maximumConnections else { return nil }
            state.nextID += 1
            let connection = Connection(
                id: state.nextID, presenceID: "\(instance)-\(state.nextID)", subscription: subscription,
                wantsPresence: wantsPresence, queueCapacity: queueCapacity, abort: abort
            )
            state.connections[connection.id] = connection
            if subscription.info.expiresAt != nil { state.expiring[connection.id] = connection }
            for scope in subscription.scopes {
                state.byScope[scope, default: [:]][connection.id] = connection
            }
            return connection
        }
    }

    /// Forgets a connection and frees its queue.
    func remove(_ connection: Connection) {
        connection.queue.close(.clientGone)
        state.withLock { state in
            guard state.connections.removeValue(forKey: connection.id) != nil else { return }
            state.expiring.removeValue(forKey: connection.id)
            for scope in connection.subscription.scopes {
                state.byScope[scope]?.removeValue(forKey: connection.id)
                if state.byScope[scope]?.isEmpty == true { state.byScope.removeValue(forKey: scope) }
            }
        }
    }

    // MARK: Receiving from the bus

    public func receive(_ messages: [BusMessage]) {
        for message in messages {
            switch message {
            case .event(let envelope):
                deliver(envelope)
            case .control(.closeUser(let userID, let scope)):
                closeUser(userID, scope: scope)
            case .control(.presenceJoin(let entry)):
                announce(ControlFrames.joinEventName, entry)
            case .control(.presenceLeave(let entry)):
                announce(ControlFrames.leaveEventName, entry)
            case .gap:
                logger.warning("bus reported lost events; sending reset to every connection")
                broadcast(ControlFrames.reset(id: nil))
            }
        }
    }

    private func deliver(_ envelope: Envelope) {
        var frame: ByteBuffer??
        deliver(envelope) { _ in
            if frame == nil { frame = encode(envelope) }
            return frame!
        }
    }

    /// Puts `frames(info)` on the queue of every connection of this node that the delivery rule
    /// gives `envelope` to; a connection for which it returns `nil` gets nothing. `frames` is
    /// called under the hub's lock: it must only look up or encode, never wait.
    func deliver(_ envelope: Envelope, frames: (ConnectionInfo) -> ByteBuffer?) {
        var tooSlow: [Connection] = []
        state.withLock { state in
            guard let members = state.byScope[envelope.scope] else { return }
            for connection in members.values where DeliveryRule.delivers(envelope, toScopeMember: connection.info) {
                guard let bytes = frames(connection.info) else { continue }
                if !connection.queue.enqueue(Outbound(id: envelope.id, bytes: bytes)) {
                    tooSlow.append(connection)
                }
            }
        }
        for connection in tooSlow {
            logger.info("disconnecting a slow client: its queue is full", metadata: ["chorus.conn": "\(connection.id)"])
            connection.abort(.overflow)
        }
    }

    /// The users (`nil` for anonymous subscribers) of this node's connections that the delivery
    /// rule gives `envelope` to: whom a per-user rendering must be made for.
    func recipientUsers(of envelope: Envelope) -> Set<String?> {
        state.withLock { state in
            var users: Set<String?> = []
            for connection in state.byScope[envelope.scope]?.values ?? [:].values
            where DeliveryRule.delivers(envelope, toScopeMember: connection.info) {
                users.insert(connection.info.userID)
            }
            return users
        }
    }

    private func encode(_ envelope: Envelope) -> ByteBuffer? {
        do {
            return ByteBuffer(bytes: try SSEEncoder.encode(ServerSentEvent(envelope)))
        } catch {
            logger.warning("dropping an event that cannot be written as SSE: \(error)", metadata: ["chorus.scope": "\(envelope.scope)"])
            return nil
        }
    }

    /// Sends a presence change to the streams of its scope that asked for presence (not to the
    /// connection it is about).
    private func announce(_ name: String, _ entry: PresenceEntry) {
        var tooSlow: [Connection] = []
        state.withLock { state in
            guard let members = state.byScope[entry.scope] else { return }
            var frame: Outbound?
            for connection in members.values where connection.wantsPresence && connection.presenceID != entry.connectionID {
                if frame == nil { frame = Outbound(id: nil, bytes: ControlFrames.presence(name, entry)) }
                if !connection.queue.enqueue(frame!) { tooSlow.append(connection) }
            }
        }
        for connection in tooSlow { connection.abort(.overflow) }
    }

    private func broadcast(_ bytes: ByteBuffer) {
        var tooSlow: [Connection] = []
        state.withLock { state in
            for connection in state.connections.values where !connection.queue.enqueue(Outbound(id: nil, bytes: bytes)) {
                tooSlow.append(connection)
            }
        }
        for connection in tooSlow { connection.abort(.overflow) }
    }

    /// Ends the streams of `userID` on this node (only those subscribed to `scope`, if given).
    /// Returns how many were closed.
    @discardableResult
    public func closeUser(_ userID: String, scope: String?) -> Int {
        let matching = state.withLock { state in
            state.connections.values.filter { connection in
                connection.info.userID == userID && (scope.map { connection.subscription.scopes.contains($0) } ?? true)
            }
        }
        for connection in matching { connection.close(.userClosed) }
        return matching.count
    }

    /// Ends every stream with a close event that tells clients to reconnect (node shutdown).
    public func closeAll() {
        let all = state.withLock { Array($0.connections.values) }
        for connection in all { connection.close(.shutdown) }
    }

    /// Ends, with a close event asking for a fresh token, every stream whose token expired at or
    /// before `now` (milliseconds since the Unix epoch). Returns how many were closed.
    @discardableResult
    public func expireTokens(now: UInt64) -> Int {
        let expired = state.withLock { state in
            state.expiring.values.filter { ($0.info.expiresAt ?? .max) <= now }
        }
        for connection in expired { connection.close(.tokenExpired) }
        return expired.count
    }

    /// Sends a heartbeat comment to every connection that had nothing queued since the last tick.
    public func heartbeatTick() {
        let all = state.withLock { Array($0.connections.values) }
        for connection in all { connection.queue.heartbeatIfIdle(ControlFrames.heartbeat) }
    }
}
