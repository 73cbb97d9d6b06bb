import ChorusCore
import NIOCore

/// The two extra SSE fields a shared stream carries on each event, for the leader tab that relays
/// it to the other tabs of its browser (see ``SharedTabs``):
///
/// - `chorus-origin: <session>`: the event's origin, so the leader does not relay a tab its own echo;
/// - `chorus-scope: <scope>`: the event's scope, so each tab gets only its own scopes.
///
/// Values are percent-encoded (``PercentEncoding``), so no scope or session can break a line.
/// Standard parsers ignore them: the WHATWG event-stream rules ignore any field whose name is not
/// `event`, `data`, `id` or `retry`, and so do ``SSEParser`` and chorus.js's reader.
enum SharedFields {
    /// The field carrying the origin.
    static let originField = "chorus-origin"
    /// The field carrying the scope.
    static let scopeField = "chorus-scope"

    /// `frame` (one or more events, as ``SSEEncoder`` writes them: LF line ends, a blank line after
    /// each) with the fields put at the start of each event. One copy.
    static func decorate(_ frame: ByteBuffer, origin: String?, scope: String) -> ByteBuffer {
        var prefix = "\(scopeField): \(PercentEncoding.encode(scope))\n"
        if let origin { prefix = "\(originField): \(PercentEncoding.encode(origin))\n" + prefix }
        let bytes = frame.readableBytesView
        var out = ByteBuffer()
        out.reserveCapacity(bytes.count + prefix.utf8.count * 2)
        var startOfEvent = true
        var previous: UInt8 = 0
        for byte in bytes {
            if startOfEvent {
                out.writeString(prefix)
                startOfEvent = false
            }
            out.writeInteger(byte)
            // A blank line ends an event; what follows it is the next one.
            if byte == UInt8(ascii: "\n"), previous == UInt8(ascii: "\n") { startOfEvent = true }
            previous = byte
        }
        return out
    }
}
