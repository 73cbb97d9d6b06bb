import ChorusCore
import ChorusReactive
import Synchronization
import Testing

/// Records what ran, in order, across tasks.
final class Trail: Sendable {
    private let entries = Mutex<[String]>([])
    func add(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}

@Suite("Dispatcher")
struct DispatcherTests {
    static let patterns: [(pattern: String, matching: [String], notMatching: [String])] = [
        ("job:progress", ["job:progress"], ["job", "job:progress:x", "job:done"]),
        ("job:*", ["job:progress", "job:done"], ["job", "job:a:b", "jobs:progress"]),
        ("*:done", ["job:done", "upload:done"], ["done", "job:a:done"]),
        ("job:**", ["job", "job:a", "job:a:b:c"], ["jobs", "upload:a"]),
        ("**:done", ["done", "job:done", "job:a:done"], ["job:done:x"]),
        ("job:**:done", ["job:done", "job:a:done", "job:a:b:done"], ["job:a", "upload:done"]),
        ("**", ["a", "a:b", "a:b:c"], []),
        ("*:*", ["a:b"], ["a", "a:b:c"]),
    ]

    @Test("patterns: * is one segment, ** any number", arguments: patterns)
    func matching(pattern: String, matching: [String], notMatching: [String]) throws {
        let parsed = try EventPattern(pattern)
        for name in matching { #expect(parsed.matches(name), "\(pattern) should match \(name)") }
        for name in notMatching { #expect(!parsed.matches(name), "\(pattern) should not match \(name)") }
    }

    @Test("bad patterns and names are refused", arguments: ["", "job::x", "job*", ":job", "a:b*c"])
    func badPatterns(pattern: String) {
        #expect { try EventPattern(pattern) } throws: { "\($0)".contains("'\(pattern)'") }
    }

    @Test("bad event names are refused")
    func badNames() {
        #expect(throws: DispatchError.invalidEventName("job:")) { try DispatchEvent(name: "job:") }
        #expect(throws: DispatchError.invalidEventName("")) { try DispatchEvent(name: "") }
    }

    @Test("handlers run by priority, then registration order; only matching ones")
    func priority() async throws {
        let trail = Trail()
        var dispatcher = Dispatcher()
        try dispatcher.on("job:*") { _ in trail.add("low-1") }
        try dispatcher.on("job:**", priority: 10) { _ in trail.add("high") }
        try dispatcher.on("job:progress") { _ in trail.add("low-2") }
        try dispatcher.on("upload:*", priority: 100) { _ in trail.add("upload") }
        try dispatcher.on("job:progress", priority: -5) { _ in trail.add("last") }
        let report = await dispatcher.dispatch(try DispatchEvent(name: "job:progress"))
        #expect(trail.all == ["high", "low-1", "low-2", "last"])
        #expect(report.outcome == .delivered)
        #expect(report.handled == ["job:**", "job:*", "job:progress", "job:progress"])
        #expect(dispatcher.handlerPatterns(for: "job:progress") == ["job:**", "job:*", "job:progress", "job:progress"])
    }

    @Test("middleware wraps the handlers, first added outermost, and can change or stop the event")
    func middleware() async throws {
        let trail = Trail()
        var dispatcher = Dispatcher()
        dispatcher.use { event, next in
            trail.add("outer>")
            try await next(event)
            trail.add("<outer")
        }
        dispatcher.use { event, next in
            trail.add("inner>")
            var tagged = event
            tagged.metadata["traced"] = "yes"
            try await next(tagged)
            trail.add("<inner")
        }
        try dispatcher.on("**") { event in trail.add("handler traced=\(event.metadata["traced"] ?? "no")") }
        let report = await dispatcher.dispatch(try DispatchEvent(name: "job:done"))
        #expect(trail.all == ["outer>", "inner>", "handler traced=yes", "<inner", "<outer"])
        #expect(report.event.metadata["traced"] == "yes")

        var stopping = Dispatcher()
        stopping.use { _, _ in }
        try stopping.on("**") { _ in trail.add("never") }
        #expect(await stopping.dispatch(try DispatchEvent(name: "x")).outcome == .stoppedByMiddleware)
        #expect(!trail.all.contains("never"))
    }

    @Test("filters drop events; a handler's own filter only skips that handler")
    func filters() async throws {
        let trail = Trail()
        var dispatcher = Dispatcher()
        dispatcher.filter { $0.metadata["tenant"] != nil }
        try dispatcher.on("job:*", where: { $0.metadata["tenant"] == "a" }) { _ in trail.add("tenant-a") }
        try dispatcher.on("job:*") { event in trail.add("all:\(event.metadata["tenant"]!)") }
        let dropped = await dispatcher.dispatch(try DispatchEvent(name: "job:done"))
        #expect(dropped.outcome == .filtered)
        _ = await dispatcher.dispatch(try DispatchEvent(name: "job:done", metadata: ["tenant": "b"]))
        _ = await dispatcher.dispatch(try DispatchEvent(name: "job:done", metadata: ["tenant": "a"]))
        #expect(trail.all == ["all:b", "tenant-a", "all:a"])
    }

    @Test("transformers run in order before filters and may drop the event")
    func transformers() async throws {
        let trail = Trail()
        var dispatcher = Dispatcher()
        dispatcher.transform { event in
            var renamed = event
            if event.name.hasPrefix("legacy.") { renamed.name = "job:" + event.name.dropFirst("legacy.".count) }
            return renamed
        }
        dispatcher.transform { event in event.name == "job:secret" ? nil : event }
        dispatcher.filter { $0.name.hasPrefix("job:") }
        try dispatcher.on("job:*") { event in trail.add(event.name) }
        let renamed = await dispatcher.dispatch(try DispatchEvent(name: "legacy.done"))
        #expect(renamed.outcome == .delivered)
        #expect(await dispatcher.dispatch(try DispatchEvent(name: "legacy.secret")).outcome == .droppedByTransformer)
        #expect(trail.all == ["job:done"])
    }

    @Test("a failing handler is reported and the others still run")
    func failingHandler() async throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let trail = Trail()
        var dispatcher = Dispatcher()
        try dispatcher.on("a", priority: 1) { _ in throw Boom() }
        try dispatcher.on("a") { _ in trail.add("second") }
        let report = await dispatcher.dispatch(try DispatchEvent(name: "a"))
        #expect(trail.all == ["second"])
        #expect(report.failures == [.init(pattern: "a", message: "boom")])
        #expect(report.handled == ["a"])
    }
}
