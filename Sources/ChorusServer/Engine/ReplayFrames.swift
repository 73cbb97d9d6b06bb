import ChorusCore
import Logging
import NIOCore

/// The frames one stream gets for one page of replayed history: every event the delivery rule lets
/// through, in order; with a renderer, the page's changes rendered once per scope from current data,
/// carrying the page's last id (they stand for everything replayed, never an older id).
struct ReplayFrames: Sendable {
    let subscription: Subscription
    let renderer: ChangeRenderer?
    let logger: Logger
    /// A shared stream's frames carry each event's origin and scope (``SharedFields``).
    var shared = false

    func frames(for events: [Envelope]) async -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        var changes: [Envelope] = []
        for envelope in events where DeliveryRule.delivers(envelope, to: subscription) {
            if renderer != nil, !envelope.paths.isEmpty {
                changes.append(envelope)
            } else if let bytes = try? SSEEncoder.encode(ServerSentEvent(envelope)) {
                frames.append(shared ? SharedFields.decorate(ByteBuffer(bytes: bytes), origin: envelope.origin, scope: envelope.scope) : ByteBuffer(bytes: bytes))
            }
        }
        if let renderer, !changes.isEmpty {
            for change in ChangeFrames.merge(changes) {
                let rendered = await renderer.render(change, subscription.info.userID)
                if let encoded = ChangeFrames.encode(rendered, id: events.last?.id, logger: logger) {
                    // Merged changes may have several origins: a shared stream relays them to every tab.
                    frames.append(shared ? SharedFields.decorate(encoded, origin: nil, scope: change.scope) : encoded)
                }
            }
        }
        return frames
    }
}
