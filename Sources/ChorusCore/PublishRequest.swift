/// Turns a publish body into envelopes, refusing anything doubtful.
///
/// The body is one envelope object or an array of them:
/// `{"scope": "doc:1", "event": "update", "data": {"title": "Hi"}, "paths": ["doc.title"],
///   "origin": "tab-7", "audience": ["42"]}`.
/// An unknown field is an error, not ignored: a typo such as `audiance` must never turn a private
/// event into a broadcast.
public enum PublishRequest {
    /// The fields a publish object may have.
    public static let fields: Set<String> = ["scope", "event", "data", "paths", "origin", "audience"]
    /// The longest scope, event name, origin or user id accepted, in bytes.
    public static let maximumNameLength = 512

    /// Parses a publish body. Either every envelope is valid or nothing is returned.
    public static func parse(_ body: [UInt8]) throws(PublishRequestError) -> [Envelope] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body)
        } catch {
            throw PublishRequestError("the body is not valid JSON: \(error)")
        }
        switch json {
        case .object:
            return [try envelope(from: json, at: "")]
        case .array(let items):
            guard !items.isEmpty else { throw PublishRequestError("the array of events is empty") }
            var envelopes: [Envelope] = []
            envelopes.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                envelopes.append(try envelope(from: item, at: "[\(index)]."))
            }
            return envelopes
        default:
            throw PublishRequestError("the body must be an event object or an array of them, not \(json.typeName)")
        }
    }

    /// Validates one publish object.
    public static func envelope(from json: JSONValue, at path: String) throws(PublishRequestError) -> Envelope {
        guard case .object(let members) = json else {
            throw PublishRequestError("\(path.isEmpty ? "the event" : String(path.dropLast())) must be an object, not \(json.typeName)")
        }
        var seen: Set<String> = []
        for member in members {
            guard fields.contains(member.key) else {
                throw PublishRequestError("\(path)\(member.key): unknown field (allowed: \(fields.sorted().joined(separator: ", ")))")
            }
            guard seen.insert(member.key).inserted else {
                throw PublishRequestError("\(path)\(member.key): the field appears twice")
            }
        }
        guard let scopeValue = json["scope"] else { throw PublishRequestError("\(path)scope: required") }
        let scope = try name(scopeValue, field: "\(path)scope")
        var envelope = Envelope(scope: scope)
        if let value = json["event"], value != .null {
            let event = try name(value, field: "\(path)event")
            guard !event.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else {
                throw PublishRequestError("\(path)event: must not contain a line break")
            }
            envelope.event = event
        }
        switch json["data"] {
        case nil, .null?: envelope.data = ""
        case .string(let text)?: envelope.data = text
        case let value?: envelope.data = value.serialized
        }
        if let value = json["paths"], value != .null {
            envelope.paths = try strings(value, field: "\(path)paths", allowEmpty: true)
        }
        if let value = json["origin"], value != .null {
            envelope.origin = try name(value, field: "\(path)origin")
        }
        if let value = json["audience"] {
            // `null` is refused rather than read as "no audience": a bug that nulls the field
            // must not turn a private event into a broadcast.
            guard value != .null else {
                throw PublishRequestError("\(path)audience: must not be null (leave it out to send to every subscriber of the scope)")
            }
            let users = try strings(value, field: "\(path)audience", allowEmpty: false)
            let audience = Set(users)
            // A set of `String` would keep one of two ids that are different bytes but the same
            // text to Swift ("é", "e\u{301}"): one user would silently not get the event.
            guard audience.count == Set(users.map(ExactString.init)).count else {
                throw PublishRequestError("\(path)audience: names a user id twice in different Unicode forms (ids are compared as exact bytes); publish to them separately")
            }
            envelope.audience = audience
        }
        return envelope
    }

    private static func name(_ value: JSONValue, field: String) throws(PublishRequestError) -> String {
        guard case .string(let text) = value else {
            throw PublishRequestError("\(field): must be a string, not \(value.typeName)")
        }
        guard !text.isEmpty else { throw PublishRequestError("\(field): must not be empty") }
        guard text.utf8.count <= maximumNameLength else {
            throw PublishRequestError("\(field): longer than \(maximumNameLength) bytes")
        }
        guard !text.utf8.contains(0) else { throw PublishRequestError("\(field): must not contain a NUL character") }
        return text
    }

    private static func strings(_ value: JSONValue, field: String, allowEmpty: Bool) throws(PublishRequestError) -> [String] {
        guard case .array(let items) = value else {
            throw PublishRequestError("\(field): must be an array of strings, not \(value.typeName)")
        }
        guard allowEmpty || !items.isEmpty else {
            throw PublishRequestError("\(field): must not be empty (leave it out to send to every subscriber of the scope)")
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            result.append(try name(item, field: "\(field)[\(index)]"))
        }
        return result
    }
}

/// A publish body that cannot be accepted; nothing was published.
public struct PublishRequestError: Error, Hashable, CustomStringConvertible {
    /// What is wrong, naming the field.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
