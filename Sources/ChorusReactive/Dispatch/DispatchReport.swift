/// What happened to one dispatched event.
public struct DispatchReport: Sendable, Hashable {
    /// How the event fared.
    public enum Outcome: Sendable, Hashable {
        /// It reached the handlers (``DispatchReport/handled`` says which ran).
        case delivered
        /// A transformer returned `nil`.
        case droppedByTransformer
        /// A filter returned `false`.
        case filtered
        /// A middleware did not call `next`.
        case stoppedByMiddleware
        /// A middleware threw; the message is its error.
        case middlewareFailed(String)
    }

    /// The event as the handlers saw it (after transformers and middleware), or as it was when dropped.
    public var event: DispatchEvent
    /// How the event fared.
    public var outcome: Outcome
    /// The patterns of the handlers that ran and returned, in order.
    public var handled: [String] = []
    /// The handlers that threw: their pattern and error.
    public var failures: [HandlerFailure] = []

    /// A handler that threw.
    public struct HandlerFailure: Sendable, Hashable {
        /// The handler's pattern.
        public var pattern: String
        /// The error it threw, as text.
        public var message: String

        /// Creates a failure record.
        public init(pattern: String, message: String) {
            self.pattern = pattern
            self.message = message
        }
    }
}

/// Gathers what handlers did during one dispatch (handlers may run on any task).
actor ReportCollector {
    private var reachedEvent: DispatchEvent?
    private var handled: [String] = []
    private var failures: [DispatchReport.HandlerFailure] = []

    func reached(_ event: DispatchEvent) { reachedEvent = event }
    func handled(_ pattern: String) { handled.append(pattern) }
    func failed(_ pattern: String, _ error: any Error) {
        failures.append(.init(pattern: pattern, message: "\(error)"))
    }

    func report(original: DispatchEvent, middlewareError: String?) -> DispatchReport {
        let outcome: DispatchReport.Outcome =
            if let middlewareError { .middlewareFailed(middlewareError) } else if reachedEvent == nil { .stoppedByMiddleware } else { .delivered }
        return DispatchReport(event: reachedEvent ?? original, outcome: outcome, handled: handled, failures: failures)
    }
}
