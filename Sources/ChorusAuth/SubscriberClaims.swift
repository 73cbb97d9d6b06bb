import Foundation
import JWTKit

/// The JWT payload of a subscriber token: `{"sub":"42","exp":1795266831,"scopes":["doc:*"]}`.
///
/// Every claim is optional here so that a missing one gets its own clear message from
/// ``TokenVerifier`` rather than a generic decoding error.
struct SubscriberClaims: JWTPayload {
    var sub: SubjectClaim?
    var exp: ExpirationClaim?
    var iat: IssuedAtClaim?
    var nbf: NotBeforeClaim?
    var scopes: [String]?

    /// Claims are checked by ``TokenVerifier`` after the signature, with its own clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
