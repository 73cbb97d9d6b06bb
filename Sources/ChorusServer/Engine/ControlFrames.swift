import ChorusCore
import NIOCore

/// The SSE frames Chorus itself sends, besides published events.
///
/// - `event: close`, data `{"reason":"shutdown","reconnect":true}`: the server ends the stream;
///   `reconnect` says whether the client should come back (false after a user was closed).
/// - `event: reset`, data `{"reason":"history-gap"}`: events were missed that are no longer in the
///   history; the page should reload its state. Never a silent gap.
/// - `event: join` / `event: leave`, data `{"scope":"doc:1","user":"42","session":"tab-7","node":"node1","connectedAt":1795266831933}`:
///   presence changes in the stream's scopes, for streams that asked with `presence=1`.
/// - comments (`: heartbeat`) when idle.
public enum ControlFrames {
    /// The event name of the close frame.
    public static let closeEventName = "close"
    /// The event name of the reset frame.
    public static let resetEventName = "reset"

    /// The event name of a presence join.
    public static let joinEventName = "join"
    /// The event name of a presence leave.
    public static let leaveEventName = "leave"

    static let heartbeat = ByteBuffer(bytes: SSEEncoder.comment("heartbeat"))
    /// The heartbeat, framed once for every connection.
    static let heartbeatFrame = Outbound(id: nil, frame: heartbeat)

    /// The close event for `reason`, framed.
    static func closeFrame(_ reason: CloseReason) -> Outbound {
        Outbound(id: nil, frame: close(reason))
    }

    static func retry(_ interval: Duration) -> ByteBuffer {
        let milliseconds = interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
        return ByteBuffer(bytes: SSEEncoder.retry(milliseconds: Int(milliseconds)))
    }

    static func close(_ reason: CloseReason) -> ByteBuffer {
        let data = #"{"reason":"\#(reason.rawValue)","reconnect":\#(reason.reconnect)}"#
        return ByteBuffer(bytes: try! SSEEncoder.encode(ServerSentEvent(event: closeEventName, data: data)))
    }

    static func presence(_ name: String, _ entry: PresenceEntry) -> ByteBuffer {
        ByteBuffer(bytes: try! SSEEncoder.encode(ServerSentEvent(event: name, data: presenceJSON(entry).serialized)))
    }

    /// The public JSON of a presence entry (in `join`/`leave` events and `GET /presence`).
    static func presenceJSON(_ entry: PresenceEntry) -> JSONValue {
        .object([
            ("scope", .string(entry.scope)),
            ("user", entry.userID.map(JSONValue.string) ?? .null),
            ("session", entry.sessionID.map(JSONValue.string) ?? .null),
            ("node", .string(entry.nodeID)),
            ("connectedAt", .number(String(entry.connectedAt))),
        ])
    }

    static func reset(id: EventID?) -> ByteBuffer {
        let event = ServerSentEvent(id: id?.description, event: resetEventName, data: #"{"reason":"history-gap"}"#)
        return ByteBuffer(bytes: try! SSEEncoder.encode(event))
    }
}
