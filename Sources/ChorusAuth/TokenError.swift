/// Why a subscriber token was refused. The message is meant for the client (and is safe to send:
/// it never contains the secret).
public struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of refusal.
    public enum Kind: Sendable, Hashable {
        /// Not a compact JWT (three base64url parts), or a part is not the JSON it should be.
        case malformed
        /// The header names an algorithm other than HS256 (`none` included).
        case unsupportedAlgorithm
        /// The signature was not made with this node's secret.
        case badSignature
        /// The token's `exp` has passed.
        case expired
        /// The token's `nbf` (not before) or `iat` (issued at) is in the future beyond the allowed
        /// clock skew.
        case notYetValid
        /// A required claim (`sub`, `exp`) is missing or a claim has the wrong shape.
        case invalidClaims
        /// The node has no token secret configured, so it cannot verify any token.
        case notConfigured
    }

    /// What kind of refusal this is.
    public var kind: Kind
    /// What is wrong, in words a developer can act on.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A token secret that cannot be used; the message says what a good one looks like.
public struct TokenSecretError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
