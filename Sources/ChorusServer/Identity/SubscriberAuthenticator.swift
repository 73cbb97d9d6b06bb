import ChorusAuth
import ChorusCore
import HTTPTypes
import Hummingbird

/// Decides who a `GET /events` request is, and whether it may have the scopes it asks for.
///
/// The token is looked for in the `Authorization: Bearer` header, then the `token` query
/// parameter (a browser's `EventSource` cannot set headers), then the token cookie. A bad token is
/// `401 invalid-token` with the reason; a scope the token (or the anonymous policy) does not allow
/// is `403 scope-forbidden`.
struct SubscriberAuthenticator: Sendable {
    let configuration: AuthConfiguration

    /// The user id and token expiry for `request`, or `(nil, nil)` for an accepted anonymous one.
    func authenticate(_ request: Request, scopes: [String]) async throws(APIError) -> (userID: String?, expiresAt: UInt64?) {
        guard let token = Self.token(in: request, cookieName: configuration.tokenCookieName) else {
            guard configuration.anonymous == .allow else {
                throw APIError(.unauthorized, code: "missing-token",
                               message: "this node does not accept anonymous subscribers: send a token (token= parameter, \(configuration.tokenCookieName) cookie, or Authorization: Bearer)",
                               headers: [.wwwAuthenticate: "Bearer"])
            }
            for scope in scopes where !configuration.anonymousScopes.anyMatches(scope) {
                throw APIError(.forbidden, code: "scope-forbidden",
                               message: "anonymous subscribers may not subscribe to '\(scope.prefix(200))' (allowed: \(configuration.anonymousScopes.map(\.text).joined(separator: ", "))); send a token")
            }
            return (nil, nil)
        }
        guard let verifier = configuration.tokenVerifier else {
            throw Self.invalid("this node has no token secret configured (the token-secret setting), so it cannot accept tokens")
        }
        let verified: SubscriberToken
        do {
            verified = try await verifier.verify(token)
        } catch {
            throw Self.invalid(error.message)
        }
        for scope in scopes where !verified.allows(scope) {
            let allowed = verified.scopes?.map(\.text).joined(separator: ", ") ?? "every scope"
            throw APIError(.forbidden, code: "scope-forbidden", message: "the token does not allow scope '\(scope.prefix(200))' (it allows: \(allowed))")
        }
        return (verified.userID, verified.expiresAt)
    }

    private static func invalid(_ reason: String) -> APIError {
        APIError(.unauthorized, code: "invalid-token", message: reason, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    }

    /// The token the request carries, if any.
    static func token(in request: Request, cookieName: String) -> String? {
        if let bearer = BearerCredential.from(request) { return bearer }
        if let query = request.uri.queryParameters.get("token"), !query.isEmpty { return String(query) }
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == cookieName else { continue }
                let value = trimmed[trimmed.index(after: equals)...]
                if !value.isEmpty { return String(value) }
            }
        }
        return nil
    }
}

/// The credential of an `Authorization: Bearer …` header.
enum BearerCredential {
    static func from(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        return from(header: header)
    }

    /// The credential in an `Authorization` value: spaces before the scheme, the scheme `Bearer`
    /// in any case, one space, then the credential less the spaces around it (none if empty).
    /// Read as UTF-8 bytes: every publish passes through here.
    static func from(header: String) -> String? {
        var header = header
        return header.withUTF8 { bytes -> String? in
            let space = UInt8(ascii: " ")
            var index = 0
            while index < bytes.count, bytes[index] == space { index += 1 }
            let schemeStart = index
            while index < bytes.count, bytes[index] != space { index += 1 }
            guard index - schemeStart == 6, index < bytes.count else { return nil }
            for (offset, letter) in "bearer".utf8.enumerated() where bytes[schemeStart + offset] | 0x20 != letter {
                return nil
            }
            var start = index + 1
            var end = bytes.count
            while start < end, bytes[start] == space { start += 1 }
            while end > start, bytes[end - 1] == space { end -= 1 }
            guard start < end else { return nil }
            // Cut at ASCII spaces, so still valid UTF-8.
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
