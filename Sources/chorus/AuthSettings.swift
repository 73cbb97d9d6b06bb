import ArgumentParser
import ChorusAuth
import ChorusCore
import ChorusServer
import Foundation

extension Settings {
    /// The node's ``AuthConfiguration`` from the `serve` flags and their `CHORUS_*` variables.
    /// A bad secret or scope pattern is a startup error that names the flag.
    func auth(tokenSecret: String?, publisherKeys: [String], anonymous: String?, anonymousScopes: [String]) throws -> AuthConfiguration {
        var auth = AuthConfiguration()
        if let secret = optionalString(tokenSecret, variable: "CHORUS_TOKEN_SECRET") {
            do {
                auth.tokenVerifier = try TokenVerifier(secret: secret)
            } catch {
                throw ValidationError("invalid --token-secret / CHORUS_TOKEN_SECRET: \(error.message)")
            }
        }
        let keys = publisherKeys.isEmpty ? list(variable: "CHORUS_PUBLISHER_KEYS") : publisherKeys
        for key in keys where key.utf8.count < 16 {
            throw ValidationError("a publisher key (--publisher-key / CHORUS_PUBLISHER_KEYS) must be at least 16 characters; '\(key.prefix(4))…' has \(key.utf8.count)")
        }
        auth.publisherKeys = keys
        auth.anonymous = try value(anonymous, flagName: "--anonymous", variable: "CHORUS_ANONYMOUS", default: .allow, expected: "allow or deny") {
            AuthConfiguration.AnonymousPolicy(rawValue: $0)
        }
        let patterns = anonymousScopes.isEmpty ? list(variable: "CHORUS_ANONYMOUS_SCOPES") : anonymousScopes
        if !patterns.isEmpty {
            do {
                auth.anonymousScopes = try ScopePattern.parseAll(patterns)
            } catch {
                throw ValidationError("--anonymous-scopes / CHORUS_ANONYMOUS_SCOPES: \(error)")
            }
        }
        return auth
    }

    /// A comma-separated variable as a list (empty items dropped).
    func list(variable: String) -> [String] {
        (environment[variable] ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
