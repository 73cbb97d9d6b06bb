import ChorusCore
import Hummingbird

/// The control endpoints, for the app's backends (publisher key required, like `POST /publish`):
///
/// - `POST /users/{id}/close[?scope=S]`: ends that user's streams on every node (only those
///   subscribed to `S`, if given) with `event: close` / `{"reason":"user-closed","reconnect":false}`.
///   Answers `202`: the instruction is on its way to every node.
/// - `GET /presence/{scope}`: the connections in `scope` on every live node, and how many distinct
///   users they belong to.
struct ControlController {
    let bus: any Bus
    let gate: PublisherGate

    func closeUser(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try gate.check(request, context: context)
        guard let raw = context.parameters.get("id"), let user = PercentDecoding.decode(raw), !user.isEmpty else {
            throw APIError.badRequest("invalid-user", "the user id in /users/{id}/close must not be empty")
        }
        let scope = request.uri.queryParameters.get("scope").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        do {
            try await bus.publish(.closeUser(userID: user, scope: scope))
        } catch {
            throw PublishController.apiError(error, doing: "no stream was closed")
        }
        return jsonResponse(.accepted, .object([("closing", .object([("user", .string(user)), ("scope", scope.map(JSONValue.string) ?? .null)]))]))
    }

    func presence(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try gate.check(request, context: context)
        guard let raw = context.parameters.get("scope"), let scope = PercentDecoding.decode(raw), !scope.isEmpty else {
            throw APIError.badRequest("invalid-scope", "the scope in /presence/{scope} must not be empty")
        }
        let entries: [PresenceEntry]
        do {
            entries = try await bus.presence(in: scope)
        } catch {
            throw PublishController.apiError(error, doing: "presence is unknown")
        }
        return jsonResponse(.ok, .object([
            ("scope", .string(scope)),
            ("count", .number(String(entries.count))),
            ("users", .number(String(entries.distinctUserCount))),
            ("connections", .array(entries.map(ControlFrames.presenceJSON))),
        ]))
    }
}

/// `%XX` decoding of a path segment.
enum PercentDecoding {
    /// The decoded text, or `nil` when an escape is broken or the bytes are not UTF-8.
    static func decode(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
