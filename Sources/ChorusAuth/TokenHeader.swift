import ChorusCore
import Foundation

/// The first part of a compact JWT, read before anything else so that a token with the wrong
/// algorithm (`alg: none` above all) is refused with a reason that says so.
enum TokenHeader {
    /// The only algorithm accepted.
    static let algorithm = "HS256"

    /// Checks the token's shape and that its header says `"alg":"HS256"`.
    static func check(_ token: String) throws(TokenError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TokenError(.malformed, "malformed token: expected three base64url parts separated by '.', got \(parts.count)")
        }
        guard let header = base64URLDecode(parts[0]) else {
            throw TokenError(.malformed, "malformed token: the header is not base64url")
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(header)
        } catch {
            throw TokenError(.malformed, "malformed token: the header is not JSON (\(error))")
        }
        if json["crit"] != nil {
            // RFC 7515 §4.1.11: extensions listed in crit must be understood, and none are here.
            throw TokenError(.malformed, "malformed token: the header has a 'crit' parameter, and this node understands no JWS extension")
        }
        guard case .string(let alg)? = json["alg"] else {
            throw TokenError(.malformed, "malformed token: the header has no 'alg'")
        }
        guard alg == algorithm else {
            if alg.lowercased() == "none" {
                throw TokenError(.unsupportedAlgorithm, "alg none is not accepted: tokens must be signed with \(algorithm)")
            }
            throw TokenError(.unsupportedAlgorithm, "alg \(alg.prefix(20)) is not accepted: tokens must be signed with \(algorithm)")
        }
    }

    static func base64URLDecode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
