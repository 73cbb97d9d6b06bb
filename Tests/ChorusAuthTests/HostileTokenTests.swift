import ChorusAuth
import ChorusCore
import Testing

/// Tokens correctly signed with the node's secret whose claims or header a careful verifier must
/// still refuse, or must survive: issuers are not always careful, and a token is client input.
@Suite("Hostile subscriber tokens")
struct HostileTokenTests {
    let verifier = TokenTests.verifier
    let now = TokenTests.now

    func signed(_ payload: String, header: String = #"{"alg":"HS256","typ":"JWT"}"#) async throws -> String {
        try await HandSigned.token(secret: TokenTests.secret, header: header, payload: payload)
    }

    /// "Never expires" values some issuers use, and numbers no clock reaches: the node must not
    /// trap converting them (a trap would end every stream on the node).
    @Test("an exp beyond any clock is accepted as far in the future, never a crash", arguments: [
        "18446744073709551", "18446744073709551615", "1e300", "9007199254740993",
    ])
    func hugeExpiry(exp: String) async throws {
        let verified = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(exp)}"#), now: now)
        #expect(verified.userID == "42")
        #expect(verified.expiresAt > now)
    }

    @Test("a negative or zero exp is an expired token")
    func negativeExpiry() async throws {
        for exp in ["-1", "0", "-1e300"] {
            await #expect { _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(exp)}"#), now: now) } throws: {
                ($0 as? TokenError)?.kind == .expired
            }
        }
    }

    @Test("a token that is not valid yet (nbf in the future) is refused with the time it becomes valid")
    func notBeforeInFuture() async throws {
        let nbf = now / 1000 + 3600
        await #expect { _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(nbf + 3600),"nbf":\#(nbf)}"#), now: now) } throws: {
            guard let error = $0 as? TokenError else { return false }
            return error.kind == .notYetValid && error.message.contains("not valid before")
        }
        // Within the allowed clock skew, and in the past, nbf is fine.
        let skewed = now / 1000 + TokenVerifier.allowedClockSkewSeconds / 2
        _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(nbf + 3600),"nbf":\#(skewed)}"#), now: now)
        _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(nbf + 3600),"nbf":\#(now / 1000 - 60)}"#), now: now)
    }

    @Test("a token issued in the future (iat beyond the clock skew) is refused")
    func issuedInFuture() async throws {
        let iat = now / 1000 + 3600
        await #expect { _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(iat + 3600),"iat":\#(iat)}"#), now: now) } throws: {
            guard let error = $0 as? TokenError else { return false }
            return error.kind == .notYetValid && error.message.contains("issued in the future")
        }
        let slightly = now / 1000 + TokenVerifier.allowedClockSkewSeconds / 2
        _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":\#(iat + 3600),"iat":\#(slightly)}"#), now: now)
    }

    @Test("a header with crit naming an extension is refused: the node understands none")
    func criticalExtension() async throws {
        for header in [#"{"alg":"HS256","crit":["exp-v2"],"exp-v2":1}"#, #"{"alg":"HS256","crit":[]}"#, #"{"alg":"HS256","crit":"b64"}"#] {
            await #expect { _ = try await verifier.verify(try await signed(#"{"sub":"42","exp":1900000000}"#, header: header), now: now) } throws: {
                guard let error = $0 as? TokenError else { return false }
                return error.kind == .malformed && error.message.contains("crit")
            }
        }
    }

    @Test("time claims that are not numbers are refused as malformed, not trusted", arguments: [
        #""exp":1900000000,"nbf":"soon""#, #""exp":1900000000,"iat":true"#, #""exp":"later""#, #""exp":[1]"#,
    ])
    func wrongTypes(claims: String) async throws {
        await #expect(throws: TokenError.self) {
            _ = try await verifier.verify(try await signed(#"{"sub":"42",\#(claims)}"#), now: now)
        }
    }
}
