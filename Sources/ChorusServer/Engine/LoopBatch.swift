import ChorusCore

/// Which members of a snapshot get a frame.
enum Recipients: Sendable {
    /// Those the delivery rule lets `envelope` through to (scope already matched).
    case envelope(Envelope)
    /// Those that asked for presence, except the connection the change is about.
    case presence(excluding: String)
    /// Those of `user` (`nil`: anonymous) that the delivery rule lets `envelope` through to.
    case user(String?, Envelope)
    /// All of them.
    case everyone

    /// Those the delivery rule lets `envelope` through to: everyone when it has neither origin
    /// nor audience (most events), so the rule is not run per connection for nothing.
    static func of(_ envelope: Envelope) -> Recipients {
        envelope.origin == nil && envelope.audience == nil ? .everyone : .envelope(envelope)
    }

    @inline(__always)
    func admit(_ connection: Connection) -> Bool {
        switch self {
        case .envelope(let envelope): DeliveryRule.delivers(envelope, toScopeMember: connection.info)
        case .presence(let excluded): connection.wantsPresence && connection.presenceID != excluded
        case .user(let user, let envelope): connection.info.userID.isExactly(user) && DeliveryRule.delivers(envelope, toScopeMember: connection.info)
        case .everyone: true
        }
    }
}

/// One frame for the admitted members of one event loop's share of a scope.
struct LoopDelivery: Sendable {
    let frame: Outbound
    /// A copy-on-write snapshot of the Hub's index, taken under its lock: no copy unless the index
    /// changes while this is in flight.
    let members: [Int: Connection]
    let recipients: Recipients
}

/// Deliveries for one event loop, run there in one go (see ``LoopInbox``): every frame written in
/// order, then one flush per connection that got something. What it wrote is counted once for the
/// whole batch, and each event's delivery lag once.
struct LoopBatch: Sendable {
    var deliveries: [LoopDelivery] = []

    func run(counting metrics: DeliveryMetrics) {
        var frames = 0
        var bytes = 0
        var lastLagged: EventID?
        let now = metrics.enabled ? wallClockMilliseconds() : 0
        for delivery in deliveries {
            var written = 0
            for connection in delivery.members.values where delivery.recipients.admit(connection) {
                let count = connection.writer.deliver(delivery.frame)
                if count > 0 {
                    written += 1
                    bytes += count
                }
            }
            frames += written
            if metrics.enabled, written > 0, let id = delivery.frame.id, id != lastLagged {
                metrics.observeLag(of: id, now: now)
                lastLagged = id
            }
        }
        for delivery in deliveries {
            for connection in delivery.members.values {
                connection.writer.flushIfNeeded()
            }
        }
        metrics.delivered(frames: frames, bytes: bytes)
    }
}
