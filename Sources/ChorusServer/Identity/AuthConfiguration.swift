import ChorusAuth
import ChorusCore

/// Who may subscribe, to what, and who may publish.
///
/// - Subscribers present a signed token (see ``SubscriberAuthenticator``); without one they are
///   anonymous, which ``anonymous`` can forbid and ``anonymousScopes`` can limit.
/// - Publishers (`POST /publish` and the control endpoints) present a publisher key. With no key
///   configured the node is in *development mode*: publishing is open to requests from loopback
///   addresses only, and refused (401) for everyone else.
public struct AuthConfiguration: Sendable {
    /// Whether subscribers without a token are accepted.
    public enum AnonymousPolicy: String, Sendable, Hashable, CaseIterable {
        /// Anonymous subscribers may subscribe to scopes matching ``AuthConfiguration/anonymousScopes``.
        case allow
        /// Every subscriber needs a token.
        case deny
    }

    /// Verifies subscriber tokens; `nil` when no secret is configured (then any token is refused,
    /// since it cannot be checked).
    public var tokenVerifier: TokenVerifier?
    /// The keys that may publish and use the control endpoints; several may be active at once
    /// (rotation). Empty means development mode (loopback-only publishing).
    public var publisherKeys: [String]
    /// Whether subscribers without a token are accepted.
    public var anonymous: AnonymousPolicy
    /// The scopes anonymous subscribers may subscribe to (every scope by default).
    public var anonymousScopes: [ScopePattern]
    /// The cookie a browser's `EventSource` can carry the token in.
    public var tokenCookieName: String

    /// Creates the settings. The defaults suit a newcomer on localhost: anonymous subscribers
    /// everywhere, no tokens, loopback-only publishing.
    public init(
        tokenVerifier: TokenVerifier? = nil,
        publisherKeys: [String] = [],
        anonymous: AnonymousPolicy = .allow,
        anonymousScopes: [ScopePattern] = [.any],
        tokenCookieName: String = "chorus_token"
    ) {
        self.tokenVerifier = tokenVerifier
        self.publisherKeys = publisherKeys.filter { !$0.isEmpty }
        self.anonymous = anonymous
        self.anonymousScopes = anonymousScopes
        self.tokenCookieName = tokenCookieName
    }

    /// Whether publishing is open to loopback clients because no key is configured.
    public var isDevelopmentMode: Bool { publisherKeys.isEmpty }
}
