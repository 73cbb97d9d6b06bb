import ChorusAuth
import ChorusCore
import ChorusServer

/// Secrets, keys and tokens for the identity tests.
enum AuthFixtures {
    static let secret = "server-test-token-secret-long-enough"
    static let publisherKey = "server-test-publisher-key-1"
    static let rotatedKey = "server-test-publisher-key-2"

    /// A configuration with a token secret and two publisher keys.
    static func configure(_ configuration: inout NodeConfiguration) {
        configuration.auth = AuthConfiguration(tokenVerifier: try! TokenVerifier(secret: secret), publisherKeys: [publisherKey, rotatedKey])
    }

    /// A token for `user`, valid for `seconds`, allowing `scopes` (every scope if `nil`).
    static func token(_ user: String, scopes: [String]? = nil, seconds: Int = 3600, secret: String = AuthFixtures.secret) async throws -> String {
        try await TokenIssuer(secret: secret).token(
            userID: user,
            scopes: scopes.map { try ScopePattern.parseAll($0) },
            expiresAt: UInt64(Int64(wallClockMilliseconds()) + Int64(seconds) * 1000)
        )
    }
}
