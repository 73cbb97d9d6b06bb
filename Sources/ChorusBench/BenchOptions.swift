/// Everything one benchmark run needs to know.
public struct BenchOptions: Sendable {
    /// Subscriber URL templates (one per node); subscribers are spread over them round-robin.
    public var subscribeURLs: [URLTemplate]
    /// Extra headers on every subscribe request (`Accept: text/event-stream` is always sent).
    public var subscribeHeaders: [HeaderLine] = []
    /// The publish URL template (`{scope}` is replaced for `raw`).
    public var publishURL: URLTemplate?
    /// How events go into publish requests.
    public var publishFormat: PublishFormat = .chorusJSON
    /// Extra headers on every publish request, e.g. `Authorization: Bearer K`.
    public var publishHeaders: [HeaderLine] = []
    /// Concurrent SSE connections.
    public var subscribers: Int
    /// Distinct scopes; subscriber `i` listens to scope `i % scopes`, event `k` goes to scope `k % scopes`.
    public var scopes: Int = 1
    /// Prefix of the scope names (`<prefix>s<i>`); unique per run so old buffered messages never count.
    public var scopePrefix: String
    /// Events to publish.
    public var events: Int
    /// Target publish rate in events per second; `nil` publishes as fast as the server accepts.
    public var rate: Double?
    /// Bytes of event data, stamp included.
    public var payloadBytes: Int = 64
    /// Keep-alive publish connections.
    public var publishConnections: Int = 4
    /// Requests in flight per publish connection (HTTP/1.1 pipelining); 1 waits for each answer.
    public var pipelineDepth: Int = 1
    /// Connection attempts in flight at once.
    public var connectConcurrency: Int = 256
    /// Longest time for all subscribers to connect, in seconds.
    public var connectTimeout: Double = 60
    /// Pause after the last subscriber connected and before the first publish, in seconds.
    public var settle: Double = 1
    /// Longest time to publish, in seconds.
    public var publishTimeLimit: Double = 120
    /// Longest wait for the last deliveries after the last publish, in seconds.
    public var drainTimeout: Double = 15
    /// Seconds to keep the connections open (idle) after connecting, before publishing.
    public var hold: Double = 0
    /// A file written (with the process id) once every subscriber is connected.
    public var readyFile: String?
    /// Event loop threads.
    public var threads: Int
    /// A name for the run, copied into the result.
    public var label: String = ""
    /// Progress on standard error.
    public var progress: Bool = true

    /// Options with the required values; the rest default.
    public init(subscribeURLs: [URLTemplate], subscribers: Int, events: Int, scopePrefix: String, threads: Int) {
        self.subscribeURLs = subscribeURLs
        self.subscribers = subscribers
        self.events = events
        self.scopePrefix = scopePrefix
        self.threads = threads
    }

    /// The name of scope number `index`.
    public func scopeName(_ index: Int) -> String { "\(scopePrefix)s\(index)" }

    /// Checks the combination; throws what is wrong.
    public func validate() throws(BenchError) {
        guard !subscribeURLs.isEmpty || subscribers == 0 else { throw BenchError("--subscribe-url is required when --subscribers > 0") }
        guard subscribers >= 0, events >= 0 else { throw BenchError("--subscribers and --events must not be negative") }
        guard scopes >= 1 else { throw BenchError("--scopes must be at least 1") }
        if events > 0 {
            guard let publishURL else { throw BenchError("--publish-url is required when --events > 0") }
            if publishFormat == .raw, !publishURL.hasScope, scopes > 1 {
                throw BenchError("--publish-format raw with several scopes needs {scope} in --publish-url")
            }
        }
        if let rate, rate <= 0 { throw BenchError("--rate must be positive (omit it for max rate)") }
        guard publishConnections >= 1, pipelineDepth >= 1 else { throw BenchError("--publishers and --pipeline must be at least 1") }
        guard payloadBytes >= 0, payloadBytes <= 1_000_000 else { throw BenchError("--payload must be 0…1000000 bytes") }
        for url in subscribeURLs where scopes > 1 && !url.hasScope {
            throw BenchError("--subscribe-url '\(url)' has no {scope}, but --scopes is \(scopes)")
        }
    }
}
