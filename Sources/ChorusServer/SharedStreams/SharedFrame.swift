import ChorusCore
import NIOCore
import Synchronization

/// The shared-stream variant of one event's frame (``SharedFields`` added), made the first time a
/// shared stream on this node gets the event and then reused by every other one, on any event loop:
/// one encoding per event per node, and none at all for the events no shared stream gets.
final class SharedFrame: Sendable {
    private let id: EventID?
    private let frame: ByteBuffer
    private let origin: String?
    private let scope: String
    private let encoded = Mutex<Outbound?>(nil)

    /// The variant of `frame` (the bare SSE bytes of the event with `id`) for an event of `scope`
    /// caused by `origin`.
    init(id: EventID?, frame: ByteBuffer, origin: String?, scope: String) {
        self.id = id
        self.frame = frame
        self.origin = origin
        self.scope = scope
    }

    /// The frame with its fields, framed as a chunk; encoded on first use.
    var outbound: Outbound {
        encoded.withLock { encoded in
            if let encoded { return encoded }
            let made = Outbound(id: id, frame: SharedFields.decorate(frame, origin: origin, scope: scope))
            encoded = made
            return made
        }
    }
}

extension Outbound {
    /// What a shared stream gets for this frame: the variant with origin and scope for an event,
    /// the frame itself for control frames (heartbeats, close, reset, presence), which carry none.
    var forSharedStream: Outbound { shared?.outbound ?? self }

    /// This frame, with its shared-stream variant attached when a shared stream may get it.
    func sharing(origin: String?, scope: String, if active: Bool) -> Outbound {
        guard active else { return self }
        var outbound = self
        outbound.shared = SharedFrame(id: id, frame: frame, origin: origin, scope: scope)
        return outbound
    }
}
