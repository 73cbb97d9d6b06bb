import ChorusCore
import Foundation
import JWTKit

/// Verifies subscriber tokens: compact JWTs signed with HS256 and a shared secret.
///
/// In order: the shape and the header's algorithm (only `HS256`; `alg: none` is refused by name),
/// the signature, then the claims: `sub` (the user id, required), `exp` (required: a token that
/// never expires cannot be revoked by waiting), and `scopes` (optional array of
/// ``ScopePattern``s; absent allows every scope).
public struct TokenVerifier: Sendable {
    /// The shortest secret accepted, in bytes: HS256 wants a key at least as long as its output
    /// (RFC 7518 §3.2), and jwt-kit asserts it.
    public static let minimumSecretLength = 32

    private let keys: Task<JWTKeyCollection, Never>

    /// Creates a verifier for tokens signed with `secret`.
    public init(secret: String) throws(TokenSecretError) {
        try Self.validate(secret: secret)
        keys = Task {
            await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
    }

    /// Refuses a secret too short to be safe.
    public static func validate(secret: String) throws(TokenSecretError) {
        guard secret.utf8.count >= minimumSecretLength else {
            throw TokenSecretError("the token secret must be at least \(minimumSecretLength) bytes (got \(secret.utf8.count)); generate one with: openssl rand -hex 32")
        }
    }

    /// Verifies `token` at time `now` (milliseconds since the Unix epoch).
    public func verify(_ token: String, now: UInt64 = wallClockMilliseconds()) async throws(TokenError) -> SubscriberToken {
        try TokenHeader.check(token)
        let claims: SubscriberClaims
        do {
            claims = try await keys.value.verify(token, as: SubscriberClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw TokenError(.badSignature, "signature does not verify: the token was not signed with this node's secret")
        } catch let error as JWTError {
            throw TokenError(.malformed, "malformed token: \(error.reason ?? String(describing: error.errorType))")
        } catch {
            throw TokenError(.malformed, "malformed token: \(error)")
        }
        guard let subject = claims.sub?.value, !subject.isEmpty else {
            throw TokenError(.invalidClaims, "the token has no 'sub' claim (the user id)")
        }
        guard let expiry = claims.exp?.value else {
            throw TokenError(.invalidClaims, "the token has no 'exp' claim; subscriber tokens must expire")
        }
        let expiresAt = UInt64(max(0, (expiry.timeIntervalSince1970 * 1000).rounded(.down)))
        guard now < expiresAt else {
            throw TokenError(.expired, "token expired at \(expiry.ISO8601Format()); get a fresh token")
        }
        var scopes: [ScopePattern]?
        if let patterns = claims.scopes {
            do {
                scopes = try ScopePattern.parseAll(patterns)
            } catch {
                throw TokenError(.invalidClaims, "the token's 'scopes' claim has an \(error)")
            }
        }
        return SubscriberToken(userID: subject, scopes: scopes, expiresAt: expiresAt)
    }
}
