/// How a ``ChorusClient`` retries an operation that failed with a retryable ``ChorusError``
/// (`503`, a failed or broken connection): exponential backoff with jitter, or the node's
/// `Retry-After` when it sends one.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first one included; `1` never retries.
    public var maximumAttempts: Int
    /// The wait before the first retry; it doubles on each retry up to ``maximumDelay``.
    public var initialDelay: Duration
    /// The longest backoff wait.
    public var maximumDelay: Duration
    /// The longest wait a `Retry-After` may ask for; longer ones are cut to this.
    public var maximumRetryAfter: Duration
    /// Whether to wait a random part (50–100 %) of the backoff, so that many publishers that
    /// failed together do not retry together. A `Retry-After` is honoured as sent.
    public var jitter: Bool

    /// Creates a policy: by default 5 attempts, waits of 0.5 s doubling up to 8 s, with jitter.
    public init(
        maximumAttempts: Int = 5,
        initialDelay: Duration = .milliseconds(500),
        maximumDelay: Duration = .seconds(8),
        maximumRetryAfter: Duration = .seconds(30),
        jitter: Bool = true
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
        self.jitter = jitter
    }

    /// Never retries.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The wait before retry number `retry` (1 for the first) after `error`.
    public func delay(beforeRetry retry: Int, after error: ChorusError) -> Duration {
        if let retryAfter = error.retryAfter {
            return min(max(retryAfter, .zero), maximumRetryAfter)
        }
        var backoff = initialDelay
        for _ in 1..<max(1, retry) where backoff < maximumDelay { backoff *= 2 }
        backoff = min(backoff, maximumDelay)
        guard jitter else { return backoff }
        return backoff * Double.random(in: 0.5...1.0)
    }
}

/// What a ``ChorusClient`` tells its ``ChorusClient/Options/onRetry`` before it retries.
public struct RetryAttempt: Sendable {
    /// Which operation: `publish`, `presence`, `close-user`, `events`.
    public var operation: String
    /// The retry about to be made: 1 for the first.
    public var retry: Int
    /// The failure that is being retried.
    public var error: ChorusError
    /// How long the client waits before it retries.
    public var delay: Duration
    /// The `Idempotency-Key` the retry sends again (for a publish).
    public var idempotencyKey: String?
}
