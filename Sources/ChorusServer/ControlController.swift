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
        guard let raw = context.parameters.get("id"), let user = PercentEncoding.decode(raw).flatMap({ String(validating: $0, as: UTF8.self) }), !user.isEmpty else {
            throw APIError.badRequest("invalid-user", "the user id in /users/{id}/close must not be empty")
        }
        let scope = request.uri.queryParameters.get("scope").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        do {
            try await bus.publish(.closeUser(userID: user, scope: scope))
        } catch {
            throw APIError.bus(error, .closeUser)
        }
        return jsonResponse(.accepted, .object([("closing", .object([("user", .string(user)), ("scope", scope.map(JSONValue.string) ?? .null)]))]))
    }

    func presence(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try gate.check(request, context: context)
        guard let raw = context.parameters.get("scope"), let scope = PercentEncoding.decode(raw).flatMap({ String(validating: $0, as: UTF8.self) }), !scope.isEmpty else {
            throw APIError.badRequest("invalid-scope", "the scope in /presence/{scope} must not be empty")
        }
        let entries: [PresenceEntry]
        do {
            entries = try await bus.presence(in: scope)
        } catch {
            throw APIError.bus(error, .readPresence)
        }
        return jsonResponse(.ok, .object([
            ("scope", .string(scope)),
            ("count", .number(String(entries.count))),
            ("users", .number(String(entries.distinctUserCount))),
            ("connections", .array(entries.map(ControlFrames.presenceJSON))),
        ]))
    }
}
