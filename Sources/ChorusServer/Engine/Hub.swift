import ChorusCore
import Logging
import NIOCore
import Synchronization

/// The node-local registry of SSE connections, indexed by scope.
///
/// The Hub receives every bus message and encodes each event's SSE bytes once (framed as an HTTP
/// chunk). Its index (``ScopeIndex``) keeps each scope's connections per event loop, so a batch of bus messages
/// becomes one task per event loop (not one wake-up per connection) that applies the delivery rule
/// and writes the shared buffer to each matching connection's socket, then flushes each once. A
/// connection that cannot keep up is cut off, never silently skipped: it reconnects with
/// `Last-Event-ID` and replays what it missed.
public final class Hub: BusReceiver {
    private struct State {
        var connections: [Int: Connection] = [:]
        /// Per scope, its connections per event loop slot.
        var byScope = ScopeIndex()
        /// Every connection per event loop slot (heartbeats, resets).
        var byLoop: [[Int: Connection]] = []
        /// One inbox per event loop seen so far; a connection's `loopSlot` indexes this.
        var inboxes: [LoopInbox] = []
        /// The connections whose token expires, so the expiry tick does not scan anonymous ones.
        var expiring: [Int: Connection] = [:]
        var nextID = 0

        mutating func slot(of loop: any EventLoop, metrics: DeliveryMetrics, pacing: LoopInbox.Pacing) -> Int {
            if let index = inboxes.firstIndex(where: { $0.loop === loop }) { return index }
            inboxes.append(LoopInbox(loop: loop, metrics: metrics, pacing: pacing))
            byLoop.append([:])
            return inboxes.count - 1
        }
    }

    private let state = Mutex(State())
    /// The node's logger (streams log their end through it).
    let logger: Logger
    /// The most connections this hub accepts.
    public let maximumConnections: Int
    /// The node's metrics (the fan-out counts per event-loop batch).
    let metrics: ChorusMetrics
    /// Makes this hub's presence connection ids unique across nodes and restarts.
    private let instance = String(UInt64.random(in: 0 ... .max), radix: 36)
    /// The open shared streams (see ``SharedTabs``).
    let sharedStreams = SharedStreams()
    /// How each event loop's inbox paces its drains under load.
    private let pacing: LoopInbox.Pacing

    /// Creates an empty hub.
    public convenience init(maximumConnections: Int = .max, logger: Logger = Logger(label: "chorus.hub"), metrics: ChorusMetrics = .disabled) {
        self.init(maximumConnections: maximumConnections, logger: logger, metrics: metrics, pacing: .standard)
    }

    /// Creates an empty hub whose inboxes pace their drains with `pacing`.
    init(maximumConnections: Int = .max, logger: Logger = Logger(label: "chorus.hub"), metrics: ChorusMetrics = .disabled, pacing: LoopInbox.Pacing) {
        self.maximumConnections = maximumConnections
        self.logger = logger
        self.metrics = metrics
        self.pacing = pacing
    }

    /// The number of open connections.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// The number of open connections subscribed to `scope`.
    public func connectionCount(scope: String) -> Int {
        state.withLock { $0.byScope.count(of: scope) }
    }

    /// The identities of the open connections in `scope`.
    public func connections(in scope: String) -> [ConnectionInfo] {
        state.withLock { $0.byScope.connections(in: scope) }.map(\.info)
    }

    /// Registers a connection whose stream is written on `channel`; from now on it receives live
    /// events (queued until its writer runs). Returns `nil` at the cap.
    func register(_ subscription: Subscription, wantsPresence: Bool = false, queueCapacity: Int, sendBufferBytes: Int? = nil, channel: any Channel, shared: SharedTabs? = nil) -> Connection? {
        let registered: Connection? = state.withLock { state in
            guard state.connections.count < maximumConnections else { return nil }
            state.nextID += 1
            let slot = state.slot(of: channel.eventLoop, metrics: metrics.delivery, pacing: pacing)
            let connection = Connection(
                id: state.nextID, presenceID: "\(instance)-\(state.nextID)", subscription: subscription,
                wantsPresence: wantsPresence, writer: .makeBoxSendingValue(StreamWriter(channel: channel, capacity: queueCapacity, sendBufferBytes: sendBufferBytes, metrics: metrics.delivery), eventLoop: channel.eventLoop),
                loopSlot: slot, shared: shared, inbox: state.inboxes[slot]
            )
            state.connections[connection.id] = connection
            state.byLoop[slot][connection.id] = connection
            if subscription.info.expiresAt != nil { state.expiring[connection.id] = connection }
            state.byScope.add(connection)
            return connection
        }
        if let registered { sharedStreams.add(registered) }
        return registered
    }

    /// Forgets a connection (ending its stream if that has not happened yet).
    func remove(_ connection: Connection) {
        connection.writer.close(.clientGone)
        sharedStreams.remove(connection)
        state.withLock { state in
            guard state.connections.removeValue(forKey: connection.id) != nil else { return }
            state.expiring.removeValue(forKey: connection.id)
            state.byLoop[connection.loopSlot].removeValue(forKey: connection.id)
            state.byScope.remove(connection)
        }
    }

    // MARK: Receiving from the bus

    public func receive(_ messages: [BusMessage]) {
        var batches: [LoopBatch] = []
        for message in messages {
            switch message {
            case .event(let envelope):
                deliver(envelope, into: &batches)
            case .control(.closeUser(let userID, let scope)):
                // After what came before it: its close frames must follow those events.
                dispatch(&batches)
                closeUser(userID, scope: scope)
            case .control(.presenceJoin(let entry)):
                announce(ControlFrames.joinEventName, entry, into: &batches)
            case .control(.presenceLeave(let entry)):
                announce(ControlFrames.leaveEventName, entry, into: &batches)
            case .gap:
                metrics.bus.gapDetected()
                logger.warning("bus reported lost events; sending reset to every connection")
                let frame = Outbound(id: nil, frame: ControlFrames.reset(id: nil))
                let perLoop = state.withLock { $0.byLoop }
                add(frame, to: perLoop, recipients: .everyone, into: &batches)
            }
        }
        dispatch(&batches)
    }

    private func deliver(_ envelope: Envelope, into batches: inout [LoopBatch]) {
        let (members, version) = state.withLock { ($0.byScope.members(of: envelope.scope), $0.byScope.version) }
        guard let perLoop = members else { return }
        let bytes: [UInt8]
        do {
            bytes = try SSEEncoder.encode(ServerSentEvent(envelope))
        } catch {
            logger.warning("dropping an event that cannot be written as SSE", metadata: ["chorus.scope": "\(envelope.scope)", "chorus.error": "\(error)"])
            return
        }
        let frame = Outbound(id: envelope.id, frame: ByteBuffer(bytes: bytes)).sharing(origin: envelope.origin, scope: envelope.scope, if: sharedStreams.isActive)
        add(frame, to: perLoop, recipients: .of(envelope), group: DeliveryGroup(scope: ExactString(envelope.scope), version: version), into: &batches)
    }

    /// What a rendered change sends: one rendering for everyone, or one per user.
    enum RenderedFrames {
        /// The same bytes for every recipient.
        case shared(ByteBuffer)
        /// The bytes for each user (`nil`: anonymous); recipients whose user has none get nothing.
        case perUser([ExactString?: ByteBuffer])
    }

    /// Sends the rendering of `change` to the connections of this node that the delivery rule
    /// gives it to, after everything received before it.
    func deliver(rendered change: Envelope, _ frames: RenderedFrames) {
        guard let perLoop = state.withLock({ $0.byScope.members(of: change.scope) }) else { return }
        var batches: [LoopBatch] = []
        switch frames {
        case .shared(let bytes):
            add(Outbound(id: change.id, frame: bytes).sharing(origin: change.origin, scope: change.scope, if: sharedStreams.isActive), to: perLoop, recipients: .of(change), into: &batches)
        case .perUser(let byUser):
            for (user, bytes) in byUser {
                add(Outbound(id: change.id, frame: bytes).sharing(origin: change.origin, scope: change.scope, if: sharedStreams.isActive), to: perLoop, recipients: .user(user?.value, change), into: &batches)
            }
        }
        dispatch(&batches)
    }

    /// The users (`nil` for anonymous subscribers) of this node's connections that the delivery
    /// rule gives `envelope` to: whom a per-user rendering must be made for.
    func recipientUsers(of envelope: Envelope) -> Set<ExactString?> {
        let perLoop = state.withLock { $0.byScope.members(of: envelope.scope) } ?? []
        var users: Set<ExactString?> = []
        for members in perLoop {
            for connection in members.values where DeliveryRule.delivers(envelope, toScopeMember: connection.info) {
                users.insert(connection.info.userID.map(ExactString.init))
            }
        }
        return users
    }

    /// Sends a presence change to the streams of its scope that asked for presence (not to the
    /// connection it is about).
    private func announce(_ name: String, _ entry: PresenceEntry, into batches: inout [LoopBatch]) {
        guard let perLoop = state.withLock({ $0.byScope.members(of: entry.scope) }) else { return }
        let frame = Outbound(id: nil, frame: ControlFrames.presence(name, entry))
        add(frame, to: perLoop, recipients: .presence(excluding: entry.connectionID), into: &batches)
    }

    private func add(_ frame: Outbound, to perLoop: [[Int: Connection]], recipients: Recipients, group: DeliveryGroup? = nil, into batches: inout [LoopBatch]) {
        if batches.count < perLoop.count {
            batches.append(contentsOf: repeatElement(LoopBatch(), count: perLoop.count - batches.count))
        }
        for (slot, members) in perLoop.enumerated() where !members.isEmpty {
            batches[slot].deliveries.append(LoopDelivery(frame: frame, members: members, recipients: recipients, group: group))
        }
    }

    /// Hands each event loop's inbox its deliveries, and empties `batches`.
    private func dispatch(_ batches: inout [LoopBatch]) {
        guard batches.contains(where: { !$0.deliveries.isEmpty }) else { return }
        let inboxes = state.withLock { $0.inboxes }
        for (slot, batch) in batches.enumerated() where !batch.deliveries.isEmpty {
            inboxes[slot].submit(batch.deliveries)
        }
        batches.removeAll()
    }

    /// Ends the streams of `userID` on this node (only those subscribed to `scope`, if given).
    /// Returns how many were closed.
    @discardableResult
    public func closeUser(_ userID: String, scope: String?) -> Int {
        let matching = state.withLock { state in
            state.connections.values.filter { connection in
                connection.info.userID.isExactly(userID) && (scope.map { connection.subscription.scopes.containsExactly($0) } ?? true)
            }
        }
        for connection in matching { connection.close(.userClosed) }
        return matching.count
    }

    /// Ends every stream with a close event that tells clients to reconnect (node shutdown).
    public func closeAll() {
        for connection in openConnections() { connection.close(.shutdown) }
    }

    /// The open connections, oldest first.
    func openConnections() -> [Connection] {
        state.withLock { Array($0.connections.values) }.sorted { $0.id < $1.id }
    }

    /// Ends, with a close event asking the client to reconnect, every stream past `limit` at
    /// `now` (milliseconds since the Unix epoch). Returns how many were closed.
    @discardableResult
    func endStreams(pastAgeLimit limit: StreamAgeLimit, now: UInt64) -> Int {
        let aged = state.withLock { state in
            state.connections.values.filter { limit.isPast(connectedAt: $0.info.connectedAt, connectionID: $0.id, now: now) }
        }
        for connection in aged { connection.close(.maxAge) }
        return aged.count
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

    /// Sends a heartbeat comment to every connection that had nothing delivered since the last
    /// tick: one task per event loop.
    public func heartbeatTick() {
        let (inboxes, perLoop) = state.withLock { ($0.inboxes, $0.byLoop) }
        for (inbox, members) in zip(inboxes, perLoop) where !members.isEmpty {
            inbox.loop.execute {
                for connection in members.values { connection.writer.value.heartbeatIfIdle() }
            }
        }
    }
}
