import ChorusCore
import Foundation
import JWTKit

/// Mints subscriber tokens (HS256) that ``TokenVerifier`` accepts: for `chorus token` during
/// development, for tests, and for a Swift app that issues tokens to its own users.
public struct TokenIssuer: Sendable {
    private let keys: Task<JWTKeyCollection, Never>

    /// Creates an issuer that signs with `secret`.
    public init(secret: String) throws(TokenSecretError) {
        try TokenVerifier.validate(secret: secret)
        keys = Task {
            await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
    }

    /// A token for `userID`, valid until `expiresAt` (milliseconds since the Unix epoch), allowing
    /// `scopes` (every scope when `nil`).
    public func token(userID: String, scopes: [ScopePattern]? = nil, expiresAt: UInt64, issuedAt: UInt64 = wallClockMilliseconds()) async throws -> String {
        let claims = SubscriberClaims(
            sub: SubjectClaim(value: userID),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(expiresAt) / 1000)),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: Double(issuedAt / 1000))),
            scopes: scopes?.map(\.text)
        )
        return try await keys.value.sign(claims)
    }
}
