/// Why a ``ChorusClient`` operation failed, and what became of it.
///
/// Branch on ``code``; a node's refusal also carries its HTTP ``status`` and its own error code
/// (``nodeCode``) from the JSON body `{"error":{"code":"…","message":"…"}}`.
public struct ChorusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A struct rather than an enum, so that codes can be added
    /// without breaking a `switch` in the apps that use the client.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The base URL or an argument is invalid; nothing was sent.
        public static let invalidArgument = Code("invalid-argument")
        /// No connection could be made (refused, unreachable, TLS handshake); nothing reached the node.
        public static let connectionFailed = Code("connection-failed")
        /// The TLS handshake failed (the certificate is not trusted or not for this host); not retried.
        public static let tlsFailed = Code("tls-failed")
        /// The node answered `503 unavailable`: nothing was done.
        public static let unavailable = Code("unavailable")
        /// The request may or may not have taken effect: the node said `503 outcome-unknown`, a
        /// proxy answered 502 or 504, or the connection broke or timed out after the request was
        /// sent. A publish retried with the same idempotency key publishes at most once.
        public static let outcomeUnknown = Code("outcome-unknown")
        /// The node refused the request (a 4xx, or `500 bus-error`); nothing was done. See
        /// ``ChorusError/status``, ``ChorusError/nodeCode`` and ``ChorusError/message``.
        public static let refused = Code("refused")
        /// The node's answer is not what the API promises (not JSON, a field missing).
        public static let invalidResponse = Code("invalid-response")

        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// The HTTP status, when an answer came.
    public var status: Int?
    /// The node's own error code (`invalid-event`, `unavailable`, `outcome-unknown`, …), when it sent one.
    public var nodeCode: String?
    /// What went wrong, for a person: the node's message when it sent one.
    public var message: String
    /// The node's `Retry-After`, when it sent one.
    public var retryAfter: Duration?

    /// Creates an error.
    public init(_ code: Code, status: Int? = nil, nodeCode: String? = nil, message: String, retryAfter: Duration? = nil) {
        self.code = code
        self.status = status
        self.nodeCode = nodeCode
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Whether trying again may succeed and cannot do harm: a publish is retried with the same
    /// idempotency key, presence is a read, and closing a user's streams twice is harmless.
    public var isRetryable: Bool {
        code == .unavailable || code == .outcomeUnknown || code == .connectionFailed
    }

    public var description: String {
        var text = "\(code)"
        if let status { text += " (\(status)\(nodeCode.map { " \($0)" } ?? ""))" }
        return text + ": " + message
    }
}
