import ArgumentParser
import ChorusAuth
import ChorusCore
import ChorusServer
import Foundation

/// `chorus token`: mint a subscriber token, for development and tests. In production your app
/// mints tokens itself, with any JWT library, signed HS256 with the node's `--token-secret`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a signed subscriber token (JWT, HS256) for development.",
        discussion: "Example: chorus token --secret \"$CHORUS_TOKEN_SECRET\" --sub 42 --scope 'doc:*' --ttl 1h"
    )

    @Option(help: "The node's token secret. [CHORUS_TOKEN_SECRET]")
    var secret: String?

    @Option(help: "The user id (the 'sub' claim).")
    var sub: String

    @Option(help: "A scope pattern the token allows ('doc:*', 'user:42', '**'); repeat for several. Without it, every scope.")
    var scope: [String] = []

    @Option(help: "How long the token is valid: 90s, 15m, 1h, 7d. [default 1h]")
    var ttl: String = "1h"

    func run() async throws {
        guard let secret = flagOrVariable(secret, "CHORUS_TOKEN_SECRET") else {
            throw ValidationError("--secret (or CHORUS_TOKEN_SECRET) is required: the same secret the node has as its token-secret")
        }
        guard let lifetime = DurationText.parse(ttl) else {
            throw ValidationError("invalid value '\(ttl)' for --ttl: expected a positive duration such as 90s, 15m, 1h or 7d")
        }
        guard !sub.isEmpty else { throw ValidationError("--sub must not be empty") }
        let patterns: [ScopePattern]?
        do {
            patterns = scope.isEmpty ? nil : try ScopePattern.parseAll(scope)
        } catch {
            throw ValidationError("--scope: \(error)")
        }
        let issuer: TokenIssuer
        do {
            issuer = try TokenIssuer(secret: secret)
        } catch {
            throw ValidationError("--secret: \(error.message)")
        }
        let now = wallClockMilliseconds()
        let milliseconds = UInt64(lifetime / .milliseconds(1))
        print(try await issuer.token(userID: sub, scopes: patterns, expiresAt: now + milliseconds, issuedAt: now))
    }
}
