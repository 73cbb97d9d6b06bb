import ChorusCore
import Foundation
import JWTKit

/// Verifies subscriber tokens: compact JWTs signed with HS256 and a shared secret.
///
/// In order: the shape and the header's algorithm (only `HS256`; `alg: none` is refused by name),
/// the signature, then the claims: `sub` (the user id, required), `exp` (required: a token that
/// never expires cannot be revoked by waiting), `nbf` and `iat` (optional; a token not valid yet,
/// or issued in the future beyond ``allowedClockSkewSeconds``, is refused), and `scopes` (optional
/// array of ``ScopePattern``s; absent allows every scope). A header with `crit` is refused: this
/// verifier understands no JWS extension, and RFC 7515 §4.1.11 says to refuse what it names.
///
/// Every time claim is a number the client chose: it is converted without trapping, whatever its
/// size (`exp: 1e300` is "far in the future", not a crash).
public struct TokenVerifier: Sendable {
    /// The shortest secret accepted, in bytes: HS256 wants a key at least as long as its output
    /// (RFC 7518 §3.2), and jwt-kit asserts it.
    public static let minimumSecretLength = 32
    /// How far in the future `nbf` and `iat` may be, for clocks that disagree a little.
    public static let allowedClockSkewSeconds: UInt64 = 60

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
        let expiresAt = Self.milliseconds(since1970: expiry.timeIntervalSince1970)
        guard now < expiresAt else {
            throw TokenError(.expired, "token expired at \(Self.describe(expiry)); get a fresh token")
        }
        let latestAccepted = now &+ Self.allowedClockSkewSeconds * 1000
        if let notBefore = claims.nbf?.value, Self.milliseconds(since1970: notBefore.timeIntervalSince1970) > latestAccepted {
            throw TokenError(.notYetValid, "the token is not valid before \(Self.describe(notBefore)) (its 'nbf' claim)")
        }
        if let issued = claims.iat?.value, Self.milliseconds(since1970: issued.timeIntervalSince1970) > latestAccepted {
            throw TokenError(.notYetValid, "the token was issued in the future (its 'iat' claim is \(Self.describe(issued))); check the issuer's clock")
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

    /// Seconds since 1970 as milliseconds, clamped to `0...UInt64.max`: never a trap, whatever
    /// number the token carried (`UInt64(Double)` traps outside its range).
    static func milliseconds(since1970 seconds: Double) -> UInt64 {
        let milliseconds = (seconds * 1000).rounded(.down)
        guard milliseconds > 0 else { return 0 }  // also NaN
        // 2^64 is exactly representable; anything below it converts.
        guard milliseconds < 18_446_744_073_709_551_616.0 else { return .max }
        return UInt64(milliseconds)
    }

    /// A claim's time for a message; years past 9999 are not dates a formatter should be asked for.
    private static func describe(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 253_402_300_800 else { return "\(seconds) seconds after 1970" }
        return date.ISO8601Format()
    }
}
