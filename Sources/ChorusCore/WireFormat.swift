/// The JSON form of envelopes and control messages between nodes (on the Redis channel and in
/// the Redis history). Versioned by a `v` field; the event id travels beside it, not in it, since
/// the bus assigns it.
///
/// Event: `{"v":1,"scope":"doc:1","event":"update","data":"…","paths":["doc.title"],"origin":"tab-7","audience":["42"]}`
/// Control: `{"v":1,"kind":"close-user","user":"42","scope":"doc:1"}`,
/// `{"v":1,"kind":"presence-join","entry":{"scope":"doc:1","conn":"…","user":"42","session":"tab-7","node":"node1","at":1795266831933}}`
/// (and `presence-leave` alike).
public enum WireFormat {
    /// The version written, and the only one read.
    public static let version = 1

    /// The wire JSON of an envelope (without its id).
    public static func encode(_ envelope: Envelope) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(envelope.data.utf8.count + envelope.scope.utf8.count + 64)
        out.append(contentsOf: #"{"v":1,"scope":"#.utf8)
        JSONWriter.writeString(envelope.scope, into: &out)
        if let event = envelope.event {
            out.append(contentsOf: #","event":"#.utf8)
            JSONWriter.writeString(event, into: &out)
        }
        out.append(contentsOf: #","data":"#.utf8)
        JSONWriter.writeString(envelope.data, into: &out)
        if !envelope.paths.isEmpty {
            out.append(contentsOf: #","paths":"#.utf8)
            JSONWriter.write(.array(envelope.paths.map(JSONValue.string)), into: &out)
        }
        if let origin = envelope.origin {
            out.append(contentsOf: #","origin":"#.utf8)
            JSONWriter.writeString(origin, into: &out)
        }
        if let audience = envelope.audience {
            out.append(contentsOf: #","audience":"#.utf8)
            JSONWriter.write(.array(audience.sorted().map(JSONValue.string)), into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The wire JSON of a control message.
    public static func encode(_ control: ControlMessage) -> [UInt8] {
        switch control {
        case .closeUser(let user, let scope):
            var members: [(key: String, value: JSONValue)] = [("v", .number("1")), ("kind", .string("close-user")), ("user", .string(user))]
            if let scope { members.append(("scope", .string(scope))) }
            var out: [UInt8] = []
            JSONWriter.write(.object(members), into: &out)
            return out
        case .presenceJoin(let entry):
            return presence(kind: "presence-join", entry)
        case .presenceLeave(let entry):
            return presence(kind: "presence-leave", entry)
        }
    }

    private static func presence(kind: String, _ entry: PresenceEntry) -> [UInt8] {
        var out = Array(#"{"v":1,"kind":"#.utf8)
        JSONWriter.writeString(kind, into: &out)
        out.append(contentsOf: #","entry":"#.utf8)
        out.append(contentsOf: encode(entry))
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The JSON object of a presence entry (as stored beside the channel, and inside presence
    /// control messages).
    public static func encode(_ entry: PresenceEntry) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = [("scope", .string(entry.scope)), ("conn", .string(entry.connectionID))]
        if let user = entry.userID { members.append(("user", .string(user))) }
        if let session = entry.sessionID { members.append(("session", .string(session))) }
        members.append(("node", .string(entry.nodeID)))
        members.append(("at", .number(String(entry.connectedAt))))
        var out: [UInt8] = []
        JSONWriter.write(.object(members), into: &out)
        return out
    }

    /// Reads a presence entry written by ``encode(_:)-(PresenceEntry)``.
    public static func decodePresenceEntry(_ bytes: [UInt8]) throws(WireFormatError) -> PresenceEntry {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw WireFormatError("presence entry is not JSON: \(error)")
        }
        return try presenceEntry(json)
    }

    private static func presenceEntry(_ json: JSONValue) throws(WireFormatError) -> PresenceEntry {
        guard case .string(let scope)? = json["scope"], case .string(let connection)? = json["conn"],
              case .string(let node)? = json["node"], case .number(let atText)? = json["at"], let at = UInt64(atText)
        else { throw WireFormatError("presence entry without scope, conn, node or at") }
        var entry = PresenceEntry(scope: scope, connectionID: connection, nodeID: node, connectedAt: at)
        if case .string(let user)? = json["user"] { entry.userID = user }
        if case .string(let session)? = json["session"] { entry.sessionID = session }
        return entry
    }

    /// Reads an envelope written by ``encode(_:)-(Envelope)`` and gives it `id`.
    public static func decodeEnvelope(_ bytes: [UInt8], id: EventID) throws(WireFormatError) -> Envelope {
        let json = try object(bytes)
        guard case .string(let scope)? = json["scope"], !scope.isEmpty else { throw WireFormatError("missing scope") }
        var envelope = Envelope(id: id, scope: scope)
        if case .string(let event)? = json["event"] { envelope.event = event }
        if case .string(let data)? = json["data"] { envelope.data = data }
        if case .array(let paths)? = json["paths"] { envelope.paths = try stringArray(paths) }
        if case .string(let origin)? = json["origin"] { envelope.origin = origin }
        if case .array(let users)? = json["audience"] { envelope.audience = Set(try stringArray(users)) }
        return envelope
    }

    /// Reads a control message written by ``encode(_:)-(ControlMessage)``.
    public static func decodeControl(_ bytes: [UInt8]) throws(WireFormatError) -> ControlMessage {
        let json = try object(bytes)
        switch json["kind"] {
        case .string("close-user")?:
            guard case .string(let user)? = json["user"] else { throw WireFormatError("close-user without user") }
            var scope: String?
            if case .string(let s)? = json["scope"] { scope = s }
            return .closeUser(userID: user, scope: scope)
        case .string("presence-join")?:
            guard let entry = json["entry"] else { throw WireFormatError("presence-join without entry") }
            return .presenceJoin(try presenceEntry(entry))
        case .string("presence-leave")?:
            guard let entry = json["entry"] else { throw WireFormatError("presence-leave without entry") }
            return .presenceLeave(try presenceEntry(entry))
        default:
            throw WireFormatError("unknown control kind")
        }
    }

    private static func object(_ bytes: [UInt8]) throws(WireFormatError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw WireFormatError("not JSON: \(error)")
        }
        guard case .object = json else { throw WireFormatError("not a JSON object") }
        guard json["v"] == .number("1") else { throw WireFormatError("unsupported version (expected v=1)") }
        return json
    }

    private static func stringArray(_ items: [JSONValue]) throws(WireFormatError) -> [String] {
        var result: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw WireFormatError("expected an array of strings") }
            result.append(s)
        }
        return result
    }
}

/// A message on the shared channel that is not a valid Chorus message; it is logged and skipped.
public struct WireFormatError: Error, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
