import ChorusCore

/// Builders for htmx's SSE extension attributes and out-of-band fragments, so an app never
/// writes attribute strings by hand. Every value is HTML-escaped.
///
/// ```swift
/// let container = Htmx.sseContainer(connect: "/events?scope=doc:1")      // hx-ext + sse-connect
/// Htmx.sseContainer(connect: url, after: try await bus.position())      // + data-last-event-id
/// "<div \(container.html)><h1 \(try Htmx.sseSwap("title").html)>…</h1></div>"
/// Htmx.outOfBand(id: "title", tag: "h1", html: "Hello")                   // <h1 id="title" hx-swap-oob="true">Hello</h1>
/// ```
public enum Htmx {
    /// How an out-of-band fragment is swapped in (`hx-swap-oob`).
    public enum OOBSwap: String, Sendable, Hashable, CaseIterable {
        /// Replace the element with the same id (`true`, the same as `outerHTML`).
        case replace = "true"
        case outerHTML, innerHTML, beforebegin, afterbegin, beforeend, afterend, delete, none
    }

    /// Why an htmx attribute cannot be built.
    public enum BuildError: Error, Sendable, Hashable, CustomStringConvertible {
        /// An SSE event name is empty or holds a comma, whitespace or a line break.
        case invalidEventName(String)
        /// A tag name is not a plain HTML tag name.
        case invalidTagName(String)
        /// An element id is empty or holds whitespace.
        case invalidID(String)

        public var description: String {
            switch self {
            case .invalidEventName(let name):
                "invalid SSE event name '\(name)': it must be non-empty, with no comma, whitespace or line break"
            case .invalidTagName(let name):
                "invalid tag name '\(name)': use an ASCII letter, then letters, digits or '-'"
            case .invalidID(let id):
                "invalid element id '\(id)': it must be non-empty, with no whitespace"
            }
        }
    }

    /// `hx-ext="sse"`: enables the SSE extension on an element and its children.
    public static let sseExtension = HTMLAttribute("hx-ext", "sse")

    /// `sse-connect="url"`: the `EventSource` URL.
    public static func sseConnect(_ url: String) -> HTMLAttribute {
        HTMLAttribute("sse-connect", url)
    }

    /// `hx-ext="sse" sse-connect="url"`: what the element holding the connection needs.
    public static func sseContainer(connect url: String) -> [HTMLAttribute] {
        [sseExtension, sseConnect(url)]
    }

    /// `data-last-event-id="id"`: the stream position the page was rendered at (read with
    /// `Bus.position()` *before* the page's data). chorus.js resumes the element's stream after
    /// it, so what was published while the page loaded is replayed, not lost.
    public static func lastEventID(_ position: EventID) -> HTMLAttribute {
        HTMLAttribute("data-last-event-id", position.description)
    }

    /// `hx-ext="sse" sse-connect="url" data-last-event-id="position"`: a stream that resumes
    /// where the page was rendered (no `data-last-event-id` when `position` is `nil`).
    public static func sseContainer(connect url: String, after position: EventID?) -> [HTMLAttribute] {
        sseContainer(connect: url) + (position.map { [lastEventID($0)] } ?? [])
    }

    /// `sse-swap="a,b"`: swap this element's content when one of these events arrives.
    public static func sseSwap(_ events: String...) throws(BuildError) -> HTMLAttribute {
        try sseSwap(events)
    }

    /// `sse-swap="a,b"`: swap this element's content when one of these events arrives.
    public static func sseSwap(_ events: [String]) throws(BuildError) -> HTMLAttribute {
        guard !events.isEmpty else { throw .invalidEventName("") }
        for event in events { try validateEventName(event) }
        return HTMLAttribute("sse-swap", events.joined(separator: ","))
    }

    /// `sse-close="event"`: close the connection when this event arrives.
    public static func sseClose(_ event: String) throws(BuildError) -> HTMLAttribute {
        try validateEventName(event)
        return HTMLAttribute("sse-close", event)
    }

    /// `hx-swap-oob="…"`.
    public static func swapOOB(_ swap: OOBSwap = .replace) -> HTMLAttribute {
        HTMLAttribute("hx-swap-oob", swap.rawValue)
    }

    /// `<tag id="id" hx-swap-oob="true" …>html</tag>`: `html` is inserted as is (it is markup);
    /// the id and extra attribute values are escaped.
    public static func outOfBand(
        id: String,
        tag: String = "div",
        swap: OOBSwap = .replace,
        attributes: [HTMLAttribute] = [],
        html: String
    ) throws(BuildError) -> String {
        guard HTMLBuilder.isValidTagName(tag) else { throw .invalidTagName(tag) }
        guard !id.isEmpty, !id.contains(where: { $0.isWhitespace || $0.isNewline }) else { throw .invalidID(id) }
        let all = [HTMLAttribute("id", id), swapOOB(swap)] + attributes
        return "<\(tag) \(all.html)>\(html)</\(tag)>"
    }

    /// Checks that `name` can be an SSE event name in an `sse-swap` list.
    public static func validateEventName(_ name: String) throws(BuildError) {
        guard !name.isEmpty, !name.contains(where: { $0 == "," || $0.isWhitespace || $0.isNewline }) else {
            throw .invalidEventName(name)
        }
    }
}
