import ChorusCore
import NIOCore

/// One SSE frame queued for connections: an encoded event (shared by every connection that gets it)
/// or a control frame. The id lets the writer drop what replay already sent.
///
/// The frame is kept already framed as an HTTP/1.1 chunk (`<hex length>\r\n<frame>\r\n`), the exact
/// bytes Hummingbird's chunked encoder would put on the wire for it, so the node frames each event
/// once and every subscriber's socket gets one write of the same storage.
struct Outbound: Sendable {
    /// The event id, or `nil` for heartbeats and control frames.
    var id: EventID?
    /// The frame as one chunk. Shared storage: one encoding per node, not per subscriber. Empty for
    /// an empty frame, which (like Hummingbird's encoder) is not framed, since `0\r\n\r\n` ends the body.
    let chunk: ByteBuffer
    /// How many bytes of `chunk` precede the frame (the hex length and its CRLF).
    private let headerLength: Int
    /// The variant for shared streams (see ``SharedFrame``), when this node has any.
    var shared: SharedFrame?

    /// Frames `frame` as a chunk (copies it once).
    init(id: EventID?, frame: ByteBuffer) {
        self.id = id
        let length = frame.readableBytes
        guard length > 0 else {
            self.chunk = frame
            self.headerLength = 0
            return
        }
        let header = String(length, radix: 16)
        var chunk = ByteBuffer()
        chunk.reserveCapacity(header.utf8.count + length + 4)
        chunk.writeString(header)
        chunk.writeStaticString("\r\n")
        self.headerLength = chunk.readableBytes
        chunk.writeImmutableBuffer(frame)
        chunk.writeStaticString("\r\n")
        self.chunk = chunk
    }

    /// The SSE frame without its chunk framing (a slice of the same storage, no copy).
    var frame: ByteBuffer {
        guard headerLength > 0 else { return chunk }
        return chunk.getSlice(at: chunk.readerIndex + headerLength, length: chunk.readableBytes - headerLength - 2)!
    }
}
