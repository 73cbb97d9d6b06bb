import ChorusAuth
import ChorusCore
import Foundation
import Testing

@Suite("Subscriber tokens")
struct TokenTests {
    static let secret = "a-test-secret-that-is-long-enough"
    static let now: UInt64 = 1_800_000_000_000

    static func mint(
        secret: String = TokenTests.secret,
        user: String = "42",
        scopes: [String]? = nil,
        expiresAt: UInt64 = TokenTests.now + 3_600_000
    ) async throws -> String {
        try await TokenIssuer(secret: secret).token(userID: user, scopes: scopes.map { try ScopePattern.parseAll($0) }, expiresAt: expiresAt, issuedAt: now)
    }

    /// A compact JWT with any header and payload, signed with nothing.
    static func unsigned(header: String, payload: String, signature: String = "") -> String {
        [header, payload].map { base64URL(Array($0.utf8)) }.joined(separator: ".") + "." + signature
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static let verifier = try! TokenVerifier(secret: TokenTests.secret)

    func verify(_ token: String) async throws(TokenError) -> SubscriberToken {
        try await Self.verifier.verify(token, now: Self.now)
    }

    func refusal(_ token: String) async throws -> TokenError {
        do {
            _ = try await verify(token)
        } catch {
            return error
        }
        Issue.record("the token was accepted")
        throw TokenError(.malformed, "accepted")
    }

    @Test("a valid token gives the user id, its scopes and its expiry")
    func valid() async throws {
        let token = try await Self.mint(scopes: ["doc:*", "user:42"])
        let verified = try await verify(token)
        #expect(verified.userID == "42")
        #expect(verified.scopes?.map(\.text) == ["doc:*", "user:42"])
        #expect(verified.expiresAt / 1000 == (Self.now + 3_600_000) / 1000)
    }

    @Test("a token without a scopes claim allows every scope")
    func noScopesClaim() async throws {
        let verified = try await verify(try await Self.mint())
        #expect(verified.scopes == nil)
        #expect(verified.allows("anything:at:all"))
    }

    @Test("an expired token is refused with the time it expired")
    func expired() async throws {
        let token = try await Self.mint(expiresAt: Self.now - 1000)
        let error = try await refusal(token)
        #expect(error.kind == .expired)
        #expect(error.message.contains("token expired at 2027-01-15T07:59:59Z"), "\(error.message)")
    }

    @Test("a token signed with another secret is refused: the signature does not verify")
    func wrongSignature() async throws {
        let token = try await Self.mint(secret: "some-other-secret-of-enough-length")
        let error = try await refusal(token)
        #expect(error.kind == .badSignature)
        #expect(error.message.contains("signature does not verify"))
    }

    @Test("a token whose payload was changed after signing is refused")
    func tamperedPayload() async throws {
        let parts = try await Self.mint(user: "42").split(separator: ".").map(String.init)
        let forged = Self.base64URL(Array(#"{"sub":"1","exp":1900000000}"#.utf8))
        let error = try await refusal([parts[0], forged, parts[2]].joined(separator: "."))
        #expect(error.kind == .badSignature)
    }

    @Test("alg none is refused by name, with or without a signature")
    func algNone() async throws {
        for signature in ["", "c2lnbmF0dXJl"] {
            let token = Self.unsigned(header: #"{"alg":"none","typ":"JWT"}"#, payload: #"{"sub":"42","exp":1900000000}"#, signature: signature)
            let error = try await refusal(token)
            #expect(error.kind == .unsupportedAlgorithm)
            #expect(error.message.contains("alg none is not accepted"))
        }
    }

    @Test("other algorithms than HS256 are refused")
    func otherAlgorithm() async throws {
        let token = Self.unsigned(header: #"{"alg":"HS512","typ":"JWT"}"#, payload: #"{"sub":"42","exp":1900000000}"#, signature: "c2ln")
        let error = try await refusal(token)
        #expect(error.kind == .unsupportedAlgorithm)
        #expect(error.message.contains("HS512"))
    }

    static let malformed: [(token: String, mentions: String)] = [
        ("", "three base64url parts"),
        ("not-a-token", "three base64url parts"),
        ("a.b", "three base64url parts"),
        ("a.b.c.d", "three base64url parts"),
        ("!!!.e30.sig", "not base64url"),
        (unsigned(header: "not json", payload: "{}"), "not JSON"),
        (unsigned(header: #"{"typ":"JWT"}"#, payload: "{}"), "no 'alg'"),
        (unsigned(header: #"{"alg":"HS256"}"#, payload: "not json", signature: "c2ln"), "signature does not verify"),
    ]

    @Test("malformed tokens are refused with what is wrong", arguments: malformed)
    func malformedTokens(token: String, mentions: String) async throws {
        let error = try await refusal(token)
        #expect([.malformed, .badSignature].contains(error.kind))
        #expect(error.message.contains(mentions), "\(error.message)")
    }

    @Test("a signed token without exp or sub is refused: tokens must expire and name a user")
    func missingClaims() async throws {
        // Signed correctly, by hand, through the issuer's own secret: an issuer cannot leave
        // claims out, so this checks the verifier's own rule with a token from elsewhere.
        let verifier = try TokenVerifier(secret: Self.secret)
        let noExp = try await HandSigned.token(secret: Self.secret, payload: #"{"sub":"42"}"#)
        let noSub = try await HandSigned.token(secret: Self.secret, payload: #"{"exp":1900000000}"#)
        await #expect { _ = try await verifier.verify(noExp, now: Self.now) } throws: { ($0 as? TokenError)?.message.contains("'exp'") == true }
        await #expect { _ = try await verifier.verify(noSub, now: Self.now) } throws: { ($0 as? TokenError)?.message.contains("'sub'") == true }
    }

    @Test("a scope the token does not allow is not allowed; patterns match by segment")
    func scopeNotAllowed() async throws {
        let verified = try await verify(try await Self.mint(scopes: ["doc:*", "user:42", "team:7:**"]))
        #expect(verified.allows("doc:1"))
        #expect(verified.allows("user:42"))
        #expect(verified.allows("team:7:chat"))
        #expect(verified.allows("team:7:chat:thread"))
        #expect(!verified.allows("doc:1:comments"))
        #expect(!verified.allows("user:43"))
        #expect(!verified.allows("team:8:chat"))
        #expect(!verified.allows("doc"))
    }

    @Test("a short secret is refused with what a good one looks like")
    func shortSecret() {
        #expect(throws: TokenSecretError.self) { try TokenVerifier(secret: "short") }
    }
}
