import NIOCore
import NIOPosix

/// The measuring program's clients, on an event loop of their own whose thread is excluded from
/// the allocation counts: raw SSE subscribers (``StreamProbe``) and one keep-alive publisher
/// (``PublishProbe``) on real loopback sockets. Whatever the clients do, only the node is counted.
///
/// `@unchecked Sendable`: `streams` and `publisher` are touched only on `loop` (every method hops
/// there before using them).
final class ProbeClients: @unchecked Sendable {
    /// The clients' only event loop.
    let loop: any EventLoop
    /// What the clients saw.
    let tally = ProbeTally()
    private let group: MultiThreadedEventLoopGroup
    private let port: Int
    private var streams: [any Channel] = []
    private var publisher: (probe: PublishProbe, channel: any Channel)?

    private init(group: MultiThreadedEventLoopGroup, port: Int) {
        self.group = group
        self.loop = group.next()
        self.port = port
    }

    /// Starts the clients' event loop (its thread excluded from the counts) for a node on `port`.
    static func start(port: Int) async throws -> ProbeClients {
        let clients = ProbeClients(group: MultiThreadedEventLoopGroup(numberOfThreads: 1), port: port)
        try await clients.loop.submit { AllocationCount.excludeCurrentThread() }.get()
        return clients
    }

    /// Stops the clients' event loop.
    func shutdown() async throws {
        try await group.shutdownGracefully()
    }

    // MARK: Streams

    /// Opens `count` streams to `scope`, in `lanes` chains that each open their next stream once
    /// the previous one's `retry:` line arrived. Returns at once; the tally's `.opened` count tells
    /// how far it got.
    func openStreams(_ count: Int, scope: String, lanes: Int = 1) {
        loop.execute {
            let request = ByteBuffer(string: "GET /events?scope=\(scope) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            let lanes = max(1, min(lanes, count))
            for lane in 0..<lanes {
                self.openChain(count / lanes + (lane < count % lanes ? 1 : 0), request: request)
            }
        }
    }

    private func openChain(_ remaining: Int, request: ByteBuffer) {
        guard remaining > 0 else { return }
        let tally = self.tally
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StreamProbe(request: request, tally: tally) {
                        self.openChain(remaining - 1, request: request)
                    })
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .whenComplete { result in
                switch result {
                case .success(let channel): self.streams.append(channel)
                case .failure(let error): tally.fail("connecting a stream failed: \(error)")
                }
            }
    }

    /// Closes every open stream (on purpose: not a failure).
    func closeStreams() async throws {
        try await loop.flatSubmit {
            self.tally.closingStreams = true
            let closing = self.streams.map { $0.close() }
            self.streams = []
            return EventLoopFuture.andAllComplete(closing, on: self.loop)
        }.get()
        try await loop.submit { self.tally.closingStreams = false }.get()
    }

    // MARK: Publishing

    /// Connects the publisher; every request it sends is `body`, posted to `/publish`.
    func connectPublisher(body: String) async throws {
        let request = ByteBuffer(string: "POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let tally = self.tally
        try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let probe = PublishProbe(request: request, tally: tally)
                    try channel.pipeline.syncOperations.addHandler(probe)
                    self.publisher = (probe, channel)
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .map { _ in }
            .get()
    }

    /// Sends `count` publish requests in turn. Returns at once; the tally's `.accepted` count tells.
    func publish(_ count: Int) {
        loop.execute { self.publisher?.probe.publish(count) }
    }

    /// Closes the publisher's connection (on purpose: not a failure). An idle kept-alive
    /// connection would otherwise be closed by the node after its request-head timeout.
    func closePublisher() async throws {
        try await loop.flatSubmit {
            guard let publisher = self.publisher else { return self.loop.makeSucceededVoidFuture() }
            self.publisher = nil
            publisher.probe.finished = true
            return publisher.channel.close()
        }.get()
    }

    // MARK: Quiet

    /// Waits until the node has stopped allocating (no new allocation for a few polls in a row, the
    /// work an operation left behind such as a task finishing after its answer was sent) and
    /// returns the count then. The polling runs on the clients' loop, so it is not counted itself.
    func quiesce(poll: TimeAmount = .milliseconds(20), stablePolls: Int = 4, maximumPolls: Int = 100) async throws -> AllocationCount {
        try await loop.flatSubmit {
            let promise = self.loop.makePromise(of: AllocationCount.self)
            self.pollUntilQuiet(last: .now, stable: 0, polls: 0, poll: poll, stablePolls: stablePolls, maximumPolls: maximumPolls, promise)
            return promise.futureResult
        }.get()
    }

    private func pollUntilQuiet(
        last: AllocationCount, stable: Int, polls: Int, poll: TimeAmount, stablePolls: Int, maximumPolls: Int,
        _ promise: EventLoopPromise<AllocationCount>
    ) {
        loop.scheduleTask(in: poll) {
            let now = AllocationCount.now
            let stable = now.allocations == last.allocations ? stable + 1 : 0
            if stable >= stablePolls || polls >= maximumPolls { return promise.succeed(now) }
            self.pollUntilQuiet(last: now, stable: stable, polls: polls + 1, poll: poll, stablePolls: stablePolls, maximumPolls: maximumPolls, promise)
        }
    }
}
