import ChorusCore

/// Turns dispatched events into out-of-band element updates for every subscriber: each rule maps
/// an event pattern to a fragment builder, with pre-processing (change or drop the event first)
/// and post-processing (change the built HTML).
///
/// ```swift
/// var updater = ElementUpdater()
/// try updater.on("job:progress", target: { "job-\($0.payload["id"]?.serialized ?? "")" }) { event in
///     "<progress value=\"\(event.payload["percent"]?.serialized ?? "0")\" max=\"100\"></progress>"
/// }
/// let events = updater.updates(for: event)   // SSE events named after each target id
/// ```
public struct ElementUpdater: Sendable {
    /// The DOM id (and event name) an event updates.
    public typealias Target = @Sendable (DispatchEvent) -> String
    /// The inner HTML for an event. Values put into it must be escaped (``HTMLBuilder/escape(_:)``).
    public typealias Builder = @Sendable (DispatchEvent) throws -> String
    /// Changes an event before any builder sees it, or drops it (`nil`).
    public typealias Preprocessor = @Sendable (DispatchEvent) -> DispatchEvent?
    /// Changes the built inner HTML of one target.
    public typealias Postprocessor = @Sendable (_ html: String, _ event: DispatchEvent) -> String

    struct Rule: Sendable {
        var pattern: EventPattern
        var tag: String
        var target: Target
        var build: Builder
    }

    private var rules: [Rule] = []
    private var preprocessors: [Preprocessor] = []
    private var postprocessors: [Postprocessor] = []

    /// An updater with no rules.
    public init() {}

    /// Builds `<tag id="target" hx-swap-oob="true">…</tag>` for events matching `pattern`.
    public mutating func on(
        _ pattern: String,
        tag: String = "div",
        target: @escaping Target,
        build: @escaping Builder
    ) throws(ElementUpdaterError) {
        let parsed: EventPattern
        do { parsed = try EventPattern(pattern) } catch { throw .invalidPattern(error.description) }
        guard HTMLBuilder.isValidTagName(tag) else { throw .invalidTag(tag) }
        rules.append(Rule(pattern: parsed, tag: tag, target: target, build: build))
    }

    /// Adds a pre-processor; they run in the order added.
    public mutating func preprocess(_ preprocessor: @escaping Preprocessor) {
        preprocessors.append(preprocessor)
    }

    /// Adds a post-processor; they run in the order added, on each built fragment's inner HTML.
    public mutating func postprocess(_ postprocessor: @escaping Postprocessor) {
        postprocessors.append(postprocessor)
    }

    /// The updates for `event`: one SSE event per matching rule, named after its target id, with
    /// an `hx-swap-oob` fragment as data; and the rules that failed (bad target id, builder error).
    public func updates(for event: DispatchEvent) -> (events: [ServerSentEvent], failures: [String]) {
        var current = event
        for preprocessor in preprocessors {
            guard let next = preprocessor(current) else { return ([], []) }
            current = next
        }
        var events: [ServerSentEvent] = []
        var failures: [String] = []
        for rule in rules where rule.pattern.matches(current.name) {
            let id = rule.target(current)
            do {
                var html = try rule.build(current)
                for postprocessor in postprocessors { html = postprocessor(html, current) }
                events.append(ServerSentEvent(event: id, data: try Htmx.outOfBand(id: id, tag: rule.tag, html: html)))
            } catch {
                failures.append("rule '\(rule.pattern)' for target '\(id)': \(error)")
            }
        }
        return (events, failures)
    }

    /// A dispatcher handler that sends each update through `emit` (for example, publish to a scope).
    public func handler(emit: @escaping @Sendable ([ServerSentEvent]) async throws -> Void) -> Dispatcher.Handler {
        { event in
            let result = updates(for: event)
            if !result.events.isEmpty { try await emit(result.events) }
            if let first = result.failures.first { throw ElementUpdaterError.buildFailed(first) }
        }
    }
}

/// Why the element updater refused a rule or could not build an update.
public enum ElementUpdaterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The event pattern is malformed; the message says how.
    case invalidPattern(String)
    /// The tag is not a plain HTML tag name.
    case invalidTag(String)
    /// A builder failed; the message names the rule and the target.
    case buildFailed(String)

    public var description: String {
        switch self {
        case .invalidPattern(let message): message
        case .invalidTag(let tag): "invalid tag name '\(tag)': use an ASCII letter, then letters, digits or '-'"
        case .buildFailed(let message): "element update failed: \(message)"
        }
    }
}
