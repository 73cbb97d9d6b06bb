import NIOCore

/// A publish's body as its parts arrive, kept up to the node's publish limit.
///
/// The route answers a body over the limit with `413`; the interceptor hands it over as soon as
/// the first bytes beyond the limit arrive, so a client cannot make the node hold more than one
/// read beyond it.
struct PublishBody {
    /// The largest body a publish may have, in bytes.
    let limit: Int
    private var collected: ByteBuffer?

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds `chunk`. Returns what has arrived so far once it is over the limit (then nothing is
    /// kept), `nil` while it is not.
    mutating func append(_ chunk: ByteBuffer) -> ByteBuffer? {
        var body: ByteBuffer
        if var previous = collected {
            // Taken out first, so that the write below does not copy a buffer referenced twice.
            collected = nil
            var chunk = chunk
            previous.writeBuffer(&chunk)
            body = previous
        } else {
            body = chunk
        }
        guard body.readableBytes > limit else {
            collected = body
            return nil
        }
        return body
    }

    /// The whole body, once its end has arrived (empty if none came); nothing is kept after.
    mutating func finish() -> ByteBuffer {
        defer { collected = nil }
        return collected ?? ByteBuffer()
    }

    /// Drops what arrived (the request was cut short).
    mutating func discard() {
        collected = nil
    }
}
