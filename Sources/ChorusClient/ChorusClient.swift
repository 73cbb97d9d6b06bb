import AsyncHTTPClient

/// A client for backends that talk to Chorus nodes: publish events, read presence, close a
/// user's streams, read event streams. Built on AsyncHTTPClient: http and https, a keep-alive
/// connection pool, timeouts, and retries with backoff that reuse a publish's `Idempotency-Key`.
///
/// The ``HTTPClient`` (and so its connection pool) belongs to the caller: make one for the whole
/// app, share it between clients, and shut it down when the app stops.
///
/// ```swift
/// let http = ChorusClient.makeHTTPClient()  // or HTTPClient.shared, which is never shut down
/// let chorus = try ChorusClient(baseURL: "https://example.com/chorus/", httpClient: http,
///                               options: .init(publisherKey: key))
/// do {
///     let ids = try await chorus.publish([Envelope(scope: "doc:1", event: "changed", data: "{}")])
///     let here = try await chorus.presence(scope: "doc:1")
/// } catch let error as ChorusError where error.code == .refused {
///     print("the node refused: \(error.status ?? 0) \(error.nodeCode ?? "") \(error.message)")
/// }
/// try await http.shutdown()
/// ```
public struct ChorusClient: Sendable {
    /// What every request of a client shares.
    public struct Options: Sendable {
        /// A publisher key of the node, sent as `Authorization: Bearer …` on publish, presence and
        /// close-user. Not needed for a node in development mode on its own machine.
        public var publisherKey: String?
        /// How long a request may take until its whole answer arrived (for a stream: until its
        /// response head arrived). Each attempt of a retried operation gets this much.
        public var requestTimeout: Duration
        /// How failed operations are retried.
        public var retry: RetryPolicy
        /// Called before each retry, for logging (`chorus publish` prints it).
        public var onRetry: (@Sendable (RetryAttempt) -> Void)?

        /// Creates options: no key, 10 s per request, the default ``RetryPolicy``.
        public init(
            publisherKey: String? = nil,
            requestTimeout: Duration = .seconds(10),
            retry: RetryPolicy = RetryPolicy(),
            onRetry: (@Sendable (RetryAttempt) -> Void)? = nil
        ) {
            self.publisherKey = publisherKey
            self.requestTimeout = requestTimeout
            self.retry = retry
            self.onRetry = onRetry
        }
    }

    /// Where the node (or the proxy in front of it) is; routes go under its path.
    public let baseURL: BaseURL
    /// The shared HTTP client whose connection pool the requests use.
    public let httpClient: HTTPClient
    /// The options every request uses.
    public var options: Options

    /// Creates a client for the node at `baseURL` (`http(s)://host[:port][/prefix/]`).
    ///
    /// Throws a ``ChorusError`` with code ``ChorusError/Code/invalidArgument`` for a URL that is
    /// not http or https, has no host, or has a query.
    public init(baseURL: String, httpClient: HTTPClient = .shared, options: Options = Options()) throws(ChorusError) {
        self.init(baseURL: try BaseURL(baseURL), httpClient: httpClient, options: options)
    }

    /// Creates a client for the node at an already parsed `baseURL`.
    public init(baseURL: BaseURL, httpClient: HTTPClient = .shared, options: Options = Options()) {
        self.baseURL = baseURL
        self.httpClient = httpClient
        self.options = options
    }
}
