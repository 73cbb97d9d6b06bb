import ChorusCore
import NIOCore

/// Consecutive events of one batch that go to the same connections (one ``DeliveryGroup``, every
/// connection of it, ids increasing), written to each of them as one buffer: one write into the
/// channel per connection for the whole run instead of one per event.
///
/// The run's bytes are put together once per loop, when the first connection takes them, and every
/// connection writes the same storage, so nothing is copied or allocated per subscriber.
final class FrameRun {
    /// The deliveries, in order: at least two.
    let deliveries: ArraySlice<LoopDelivery>
    /// The id of the first and of the last event.
    let firstID: EventID
    let lastID: EventID
    private var chunks: ByteBuffer?
    private var frames: ByteBuffer?

    init(_ deliveries: ArraySlice<LoopDelivery>, firstID: EventID, lastID: EventID) {
        self.deliveries = deliveries
        self.firstID = firstID
        self.lastID = lastID
    }

    /// How many events the run holds.
    var count: Int { deliveries.count }

    /// The events as HTTP/1.1 chunks, one after the other (`chunked`), or the bare frames.
    func bytes(chunked: Bool) -> ByteBuffer {
        if chunked, let chunks { return chunks }
        if !chunked, let frames { return frames }
        var joined = ByteBuffer()
        joined.reserveCapacity(deliveries.reduce(0) { $0 + $1.frame.chunk.readableBytes })
        for delivery in deliveries {
            if chunked {
                joined.writeImmutableBuffer(delivery.frame.chunk)
            } else {
                joined.writeImmutableBuffer(delivery.frame.frame)
            }
        }
        if chunked { chunks = joined } else { frames = joined }
        return joined
    }

    /// Where the run that starts at `start` ends (exclusive): the deliveries after it that belong to
    /// the same group, go to everyone in it, and carry increasing event ids.
    static func end(of deliveries: [LoopDelivery], from start: Int) -> Int {
        let first = deliveries[start]
        guard let group = first.group, case .everyone = first.recipients, var last = first.frame.id else { return start + 1 }
        var end = start + 1
        while end < deliveries.endIndex {
            let next = deliveries[end]
            guard next.group == group, case .everyone = next.recipients, let id = next.frame.id, id > last else { break }
            last = id
            end += 1
        }
        return end
    }
}
