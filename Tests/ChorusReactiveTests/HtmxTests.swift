import ChorusCore
import ChorusReactive
import Testing

@Suite("htmx builders")
struct HtmxTests {
    @Test("SSE extension attributes, with values escaped")
    func attributes() throws {
        #expect(Htmx.sseContainer(connect: "/events?scope=doc:1&tab=\"x\"").html
            == #"hx-ext="sse" sse-connect="/events?scope=doc:1&amp;tab=&quot;x&quot;""#)
        #expect(Htmx.sseContainer(connect: "/events?scope=a", after: EventID(milliseconds: 1700000000000, sequence: 3)).html
            == #"hx-ext="sse" sse-connect="/events?scope=a" data-last-event-id="1700000000000-3""#)
        #expect(Htmx.sseContainer(connect: "/events?scope=a", after: nil).html == #"hx-ext="sse" sse-connect="/events?scope=a""#)
        #expect(try Htmx.sseSwap("title", "refresh").description == #"sse-swap="title,refresh""#)
        #expect(try Htmx.sseClose("done").description == #"sse-close="done""#)
        #expect(Htmx.swapOOB(.innerHTML).description == #"hx-swap-oob="innerHTML""#)
        #expect(HTMLAttribute("disabled", nil).description == "disabled")
    }

    @Test("event names that would break an sse-swap list are refused", arguments: ["", "a,b", "a b", "a\nb"])
    func badEventNames(name: String) {
        #expect(throws: Htmx.BuildError.invalidEventName(name)) { try Htmx.sseSwap(name) }
        #expect(throws: Htmx.BuildError.invalidEventName(name)) { try Htmx.sseClose(name) }
    }

    @Test("out-of-band wrapper: id and attributes escaped, content inserted as markup")
    func outOfBand() throws {
        #expect(try Htmx.outOfBand(id: "t", tag: "h1", attributes: [HTMLAttribute("title", "a<b")], html: "<b>x</b>")
            == #"<h1 id="t" hx-swap-oob="true" title="a&lt;b"><b>x</b></h1>"#)
        #expect(throws: Htmx.BuildError.invalidTagName("h1 onclick")) { try Htmx.outOfBand(id: "t", tag: "h1 onclick", html: "") }
        #expect(throws: Htmx.BuildError.invalidID("a b")) { try Htmx.outOfBand(id: "a b", html: "") }
    }
}

@Suite("Element updater")
struct ElementUpdaterTests {
    func progress(_ id: String, _ percent: String) throws -> DispatchEvent {
        try DispatchEvent(name: "job:progress", payload: .object([("id", .string(id)), ("percent", .number(percent))]))
    }

    @Test("event types map to fragment builders, with pre- and post-processing")
    func updates() throws {
        var updater = ElementUpdater()
        try updater.on("job:progress", tag: "progress", target: { event in
            guard case .string(let id)? = event.payload["id"] else { return "job" }
            return "job-\(id)"
        }) { event in
            HTMLBuilder.escape(event.payload["percent"]?.serialized ?? "0") + "%"
        }
        try updater.on("job:*", target: { _ in "last-job-event" }) { event in HTMLBuilder.escape(event.name) }
        updater.preprocess { $0.payload["id"] == .string("hidden") ? nil : $0 }
        updater.postprocess { html, _ in "<span>\(html)</span>" }

        let result = updater.updates(for: try progress("7", "40"))
        #expect(result.failures.isEmpty)
        #expect(result.events == [
            ServerSentEvent(event: "job-7", data: #"<progress id="job-7" hx-swap-oob="true"><span>40%</span></progress>"#),
            ServerSentEvent(event: "last-job-event", data: #"<div id="last-job-event" hx-swap-oob="true"><span>job:progress</span></div>"#),
        ])
        #expect(updater.updates(for: try progress("hidden", "1")).events.isEmpty)
        #expect(updater.updates(for: try DispatchEvent(name: "upload:done")).events.isEmpty)
    }

    @Test("a failing builder is reported, the other rules still produce updates")
    func failingBuilder() throws {
        struct Broken: Error {}
        var updater = ElementUpdater()
        try updater.on("job:*", target: { _ in "a" }) { _ in throw Broken() }
        try updater.on("job:*", target: { _ in "b" }) { _ in "ok" }
        let result = updater.updates(for: try DispatchEvent(name: "job:done"))
        #expect(result.events.map(\.event) == ["b"])
        #expect(result.failures.count == 1 && result.failures[0].contains("target 'a'"))
        #expect(throws: ElementUpdaterError.invalidTag("x y")) { try updater.on("a", tag: "x y", target: { _ in "a" }) { _ in "" } }
    }
}
