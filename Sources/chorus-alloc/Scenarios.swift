import ChorusCore
import ChorusServer
import ChorusTesting
#if canImport(Glibc)
import Glibc
#endif

/// The operations whose allocations are budgeted, on one node in this process (``TestNode``:
/// ChorusNode on the in-memory bus, real sockets on loopback).
struct Scenarios {
    let node: TestNode
    let clients: ProbeClients
    let measurer: Measurer

    /// The scope of the idle streams opened and closed by ``streamSetup()``.
    static let idleScope = "alloc-idle"
    /// The scope ``publish()`` posts to: no subscriber, so only the request's own path is counted.
    static let publishScope = "alloc-publish"
    /// The scope of the fan-out subscribers.
    static let fanOutScope = "alloc-fanout"

    /// One idle stream's setup: a new connection's `GET /events`, until its `retry:` line is read,
    /// and whatever the node does for it afterwards until it is quiet (the stream going live).
    func streamSetup(iterations: Int = 100) async throws -> Measurement {
        let tally = clients.tally
        return try await measurer.measure(
            "stream-setup", "stream setup: connect, GET /events, until retry:", iterations: iterations, warmup: iterations
        ) { count in
            let target = tally.count(.opened) + count
            clients.openStreams(count, scope: Self.idleScope)
            try await tally.wait(until: .opened, reaches: target)
        } reset: {
            // Closed after each run, so every run starts from the same Hub (its tables keep their
            // capacity: the runs grow nothing the warm-up did not).
            try await clients.closeStreams()
            try await waitForNoConnections()
        }
    }

    /// The heap an idle stream holds on the node while it is open: `streams` streams are opened
    /// and the node's live heap bytes (``AllocationCount/liveBytes``) compared before and after,
    /// in each of `runs` runs after a warm-up (so the Hub's tables already have their room). The
    /// figure is the run that held the least.
    func streamHeap(streams: Int = 1000, runs: Int = 3) async throws -> Measurement {
        let tally = clients.tally
        func open() async throws {
            let target = tally.count(.opened) + streams
            clients.openStreams(streams, scope: Self.idleScope, lanes: 16)
            try await tally.wait(until: .opened, reaches: target)
        }
        func close() async throws {
            try await clients.closeStreams()
            try await waitForNoConnections()
        }
        try await open()
        try await close()
        var perRun: [Double] = []
        for _ in 0..<runs {
            let before = try await clients.quiesce()
            try await open()
            let after = try await clients.quiesce()
            try await close()
            perRun.append(Double((after - before).liveBytes) / Double(streams))
        }
        print("chorus-alloc: stream-heap-bytes: heap bytes per idle stream in each run: \(perRun.map { "\($0)" }.joined(separator: ", "))")
        var measurement = Measurement(key: "stream-heap-bytes", title: "heap held per idle stream (bytes, \(streams) open, median)", perRun: perRun, bytesPerOperation: 0)
        measurement.comparesMedian = true
        measurement.bytesPerOperation = measurement.allocations
        return measurement
    }

    /// One `POST /publish` on a kept-alive connection, until its `202` is read.
    func publish(iterations: Int = 200) async throws -> Measurement {
        let tally = clients.tally
        try await clients.connectPublisher(body: #"{"scope":"\#(Self.publishScope)","event":"update","data":"alloc-probe"}"#)
        let measurement = try await measurer.measure("publish", "publish: POST /publish → bus → 202", iterations: iterations, warmup: iterations) { count in
            let target = tally.count(.accepted) + count
            clients.publish(count)
            try await tally.wait(until: .accepted, reaches: target)
        }
        try await clients.closePublisher()
        return measurement
    }

    /// One event published on the bus and written to each of `subscribers` streams of its scope
    /// (the subscribers are opened first, topping up those already open), until every one has read
    /// it. Events go one at a time: each is delivered before the next is published.
    /// Fewer events to more subscribers: about 20,000 deliveries per run, at least 10 events.
    func fanOut(to subscribers: Int, iterations: Int? = nil) async throws -> Measurement {
        let iterations = iterations ?? min(100, max(10, 20_000 / max(1, subscribers)))
        let tally = clients.tally
        let open = node.hub.connectionCount(scope: Self.fanOutScope)
        if subscribers > open {
            let target = tally.count(.opened) + subscribers - open
            clients.openStreams(subscribers - open, scope: Self.fanOutScope, lanes: 16)
            try await tally.wait(until: .opened, reaches: target)
        }
        guard node.hub.connectionCount(scope: Self.fanOutScope) == subscribers else {
            throw ProbeError("expected \(subscribers) subscribers, the hub has \(node.hub.connectionCount(scope: Self.fanOutScope))")
        }
        let bus = node.node.bus
        let event = [Envelope(scope: Self.fanOutScope, event: "update", data: "alloc-probe")]
        return try await measurer.measure(
            "fanout-\(subscribers)", "fan-out: 1 event to \(subscribers) subscriber\(subscribers == 1 ? "" : "s")", iterations: iterations, warmup: iterations
        ) { count in
            var target = tally.count(.delivered)
            for _ in 0..<count {
                _ = try await bus.publish(event, idempotencyKey: nil)
                target += subscribers
                try await tally.wait(until: .delivered, reaches: target)
            }
        }
    }

    /// Publishes `events` more events to the fan-out subscribers (opened by ``fanOut(to:iterations:)``)
    /// with the stack of every allocation written to `path`, to find where they come from.
    func traceFanOut(events: Int, to path: String) async throws {
        let tally = clients.tally
        let subscribers = node.hub.connectionCount(scope: Self.fanOutScope)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ProbeError("cannot create \(path)") }
        defer { close(fd) }
        let bus = node.node.bus
        let event = [Envelope(scope: Self.fanOutScope, event: "update", data: "alloc-probe")]
        var target = tally.count(.delivered)
        _ = try await clients.quiesce()
        AllocationCount.trace(to: fd)
        for _ in 0..<events {
            _ = try await bus.publish(event, idempotencyKey: nil)
            target += subscribers
            try await tally.wait(until: .delivered, reaches: target)
        }
        _ = try await clients.quiesce()
        AllocationCount.trace(to: -1)
        print("chorus-alloc: the allocations of \(events) events to \(subscribers) subscribers are traced in \(path) (scripts/alloc-stacks.py summarizes them)")
    }

    /// Opens `streams` idle streams with every allocation and free written to `path`, and keeps
    /// them open until the node is quiet: what the trace shows as still allocated is what the
    /// streams hold (`scripts/alloc-stacks.py --live`).
    func traceStreams(_ streams: Int, to path: String) async throws {
        let tally = clients.tally
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ProbeError("cannot create \(path)") }
        defer { close(fd) }
        _ = try await clients.quiesce()
        AllocationCount.trace(to: fd)
        let target = tally.count(.opened) + streams
        clients.openStreams(streams, scope: Self.idleScope, lanes: 16)
        try await tally.wait(until: .opened, reaches: target)
        _ = try await clients.quiesce()
        AllocationCount.trace(to: -1)
        try await clients.closeStreams()
        try await waitForNoConnections()
        print("chorus-alloc: the allocations of opening \(streams) idle streams, and their frees, are traced in \(path) (scripts/alloc-stacks.py --live shows what the streams hold)")
    }

    private func waitForNoConnections() async throws {
        for _ in 0..<500 where node.hub.connectionCount(scope: Self.idleScope) > 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard node.hub.connectionCount(scope: Self.idleScope) == 0 else { throw ProbeError("the node still holds idle streams after they were closed") }
    }
}
