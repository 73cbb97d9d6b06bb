/// Routes ``DispatchEvent``s to handlers by name pattern, through transformers, filters and a
/// middleware chain.
///
/// For each event, in this order:
/// 1. **transformers** run in registration order; each returns the (possibly changed) event, or
///    `nil` to drop it;
/// 2. **filters** must all return `true`, or the event is dropped;
/// 3. the **middleware** chain runs, the first registered outermost; each calls `next` to go on
///    (or does not, to stop the event);
/// 4. every **handler** whose pattern matches (and whose own filter passes) runs, highest
///    priority first, in registration order among equal priorities. A handler that throws is
///    recorded in the report; the others still run.
///
/// ```swift
/// var dispatcher = Dispatcher()
/// try dispatcher.on("job:*", priority: 10) { event in print("job event", event.name) }
/// dispatcher.use { event, next in try await next(event) }   // logging, timing, …
/// let report = await dispatcher.dispatch(try DispatchEvent(name: "job:progress"))
/// ```
public struct Dispatcher: Sendable {
    /// Runs for one matching event.
    public typealias Handler = @Sendable (DispatchEvent) async throws -> Void
    /// The rest of the chain, as seen by a middleware.
    public typealias Next = @Sendable (DispatchEvent) async throws -> Void
    /// Wraps the rest of the chain: call `next` to continue, with the event or a changed one.
    public typealias Middleware = @Sendable (DispatchEvent, Next) async throws -> Void
    /// Decides whether an event goes on.
    public typealias Filter = @Sendable (DispatchEvent) -> Bool
    /// Changes an event, or drops it by returning `nil`.
    public typealias Transformer = @Sendable (DispatchEvent) -> DispatchEvent?

    struct Registration: Sendable {
        var pattern: EventPattern
        var priority: Int
        var sequence: Int
        var filter: Filter?
        var handler: Handler
    }

    private var registrations: [Registration] = []
    private var middleware: [Middleware] = []
    private var filters: [Filter] = []
    private var transformers: [Transformer] = []

    /// A dispatcher with nothing registered.
    public init() {}

    /// Runs `handler` for events whose name matches `pattern`; higher `priority` runs first.
    /// `filter`, when given, must also pass for this handler.
    public mutating func on(
        _ pattern: String,
        priority: Int = 0,
        where filter: Filter? = nil,
        _ handler: @escaping Handler
    ) throws(DispatchError) {
        registrations.append(Registration(
            pattern: try EventPattern(pattern), priority: priority, sequence: registrations.count, filter: filter, handler: handler
        ))
        registrations.sort { ($0.priority, -$0.sequence) > ($1.priority, -$1.sequence) }
    }

    /// Adds a middleware; the first added is outermost.
    public mutating func use(_ middleware: @escaping Middleware) {
        self.middleware.append(middleware)
    }

    /// Adds a filter every event must pass.
    public mutating func filter(_ filter: @escaping Filter) {
        filters.append(filter)
    }

    /// Adds a transformer; transformers run in the order they were added, before filters.
    public mutating func transform(_ transformer: @escaping Transformer) {
        transformers.append(transformer)
    }

    /// The patterns of the handlers that would run for `name`, in the order they would run.
    public func handlerPatterns(for name: String) -> [String] {
        registrations.filter { $0.pattern.matches(name) }.map(\.pattern.text)
    }

    /// Dispatches `event` and reports what happened.
    public func dispatch(_ event: DispatchEvent) async -> DispatchReport {
        var current = event
        for transformer in transformers {
            guard let next = transformer(current) else { return DispatchReport(event: current, outcome: .droppedByTransformer) }
            current = next
        }
        for filter in filters where !filter(current) {
            return DispatchReport(event: current, outcome: .filtered)
        }
        let collector = ReportCollector()
        let registrations = self.registrations
        let handlers: Next = { event in
            await collector.reached(event)
            for registration in registrations where registration.pattern.matches(event.name) {
                if let filter = registration.filter, !filter(event) { continue }
                do {
                    try await registration.handler(event)
                    await collector.handled(registration.pattern.text)
                } catch {
                    await collector.failed(registration.pattern.text, error)
                }
            }
        }
        let chain = middleware.reversed().reduce(handlers) { next, middleware in
            { event in try await middleware(event, next) }
        }
        var middlewareError: String?
        do {
            try await chain(current)
        } catch {
            middlewareError = "\(error)"
        }
        return await collector.report(original: current, middlewareError: middlewareError)
    }
}
