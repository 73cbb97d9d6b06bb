import Crypto
import Foundation

/// HS256 tokens assembled by hand, for claims and headers an issuer would never produce.
enum HandSigned {
    static func token(secret: String, header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String) async throws -> String {
        let signingInput = TokenTests.base64URL(Array(header.utf8)) + "." + TokenTests.base64URL(Array(payload.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return signingInput + "." + TokenTests.base64URL(Array(mac))
    }
}
