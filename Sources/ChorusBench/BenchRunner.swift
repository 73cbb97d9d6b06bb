import Histogram
import NIOCore
import NIOPosix

/// Runs one benchmark: connect the subscribers, publish, wait for the deliveries, measure.
public struct BenchRunner {
    /// The run's options.
    public let options: BenchOptions

    /// A runner for `options`.
    public init(options: BenchOptions) {
        self.options = options
    }

    /// Runs the benchmark and returns what it measured.
    public func run() async throws -> BenchResult {
        try options.validate()
        let wallStart = benchMonotonicNanos()
        let cpuStart = benchProcessCPUSeconds()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        let loops = Array(group.makeIterator())
        let stats = loops.map { _ in LoopStats(subscriberCount: options.subscribers) }
        let progress = ProgressCounters()
        let reporter = ProgressReporter(options: options, loops: loops, stats: stats, counters: progress)
        let reporting = Task { await reporter.run() }
        defer { reporting.cancel() }

        // 1. Subscribers.
        reporter.setPhase("connecting")
        let pool = SubscriberPool(options: options, loops: loops, stats: stats, progress: progress)
        let connection = await pool.connectAll()
        let connectedIndices = connection.channels.indices.filter { connection.channels[$0] != nil }
        if let readyFile = options.readyFile {
            writeTextFile(readyFile, "connected \(connectedIndices.count) of \(options.subscribers)")
        }
        if options.hold > 0 {
            reporter.setPhase("holding")
            try? await Task.sleep(nanoseconds: UInt64(options.hold * 1e9))
        }

        // 2. Publish.
        var publishOutcome = Publisher.Outcome(acceptedPerScope: Array(repeating: 0, count: options.scopes))
        var publishSeconds = 0.0
        var publishWallStart: UInt64 = 0
        var publishConnections: [PublishConnection] = []
        if options.events > 0, let publishURL = options.publishURL {
            try? await Task.sleep(nanoseconds: UInt64(options.settle * 1e9))
            for index in 0..<options.publishConnections {
                do {
                    publishConnections.append(try await PublishConnection.connect(to: publishURL, on: loops[index % loops.count]))
                } catch {
                    publishOutcome.errors["cannot connect to \(publishURL): \(error)", default: 0] += 1
                }
            }
            if !publishConnections.isEmpty {
                reporter.setPhase("publishing")
                publishWallStart = benchWallNanos()
                let started = benchMonotonicNanos()
                let publisher = Publisher(options: options, connections: publishConnections, progress: progress)
                publishOutcome = await publisher.run(startNanos: started)
                publishSeconds = Double(benchMonotonicNanos() - started) / 1e9
            }
        }

        // 3. Drain: wait until every connected subscriber has what was published to its scope.
        let expectedPerSubscriber = { (index: Int) in publishOutcome.acceptedPerScope[index % options.scopes] }
        let expected = connectedIndices.reduce(0) { $0 + expectedPerSubscriber($1) }
        if expected > 0 {
            reporter.setPhase("draining")
            reporter.setExpected(expected)
            let deadline = benchMonotonicNanos() + UInt64(options.drainTimeout * 1e9)
            while benchMonotonicNanos() < deadline {
                let received = await totalDelivered(loops: loops, stats: stats)
                if received >= expected { break }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }

        // 4. Stop and collect.
        reporter.setPhase("closing")
        reporting.cancel()
        var snapshots: [LoopSnapshot] = []
        for (loop, loopStats) in zip(loops, stats) {
            snapshots.append(try await loop.submit { () -> LoopSnapshot in
                loopStats.stopping = true
                return loopStats.snapshot()
            }.get())
        }
        for channel in connection.channels.compactMap({ $0 }) { channel.close(promise: nil) }
        for publishConnection in publishConnections { await publishConnection.close() }
        try? await Task.sleep(nanoseconds: 100_000_000)
        try await group.shutdownGracefully()
        reporter.finish()

        // 5. Merge.
        var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var delivered = Array(repeating: 0, count: options.subscribers)
        var total = 0, badStamps = 0, dropped = 0
        var dropReasons: [String: Int] = [:]
        var lastDelivery: UInt64 = 0
        for snapshot in snapshots {
            latency.add(snapshot.latency)
            for index in delivered.indices { delivered[index] += snapshot.delivered[index] }
            total += snapshot.total
            badStamps += snapshot.badStamps
            dropped += snapshot.droppedAfterConnect
            for (reason, count) in snapshot.dropReasons { dropReasons[reason, default: 0] += count }
            lastDelivery = max(lastDelivery, snapshot.lastDeliveryNanos)
        }
        var lost = 0, extra = 0, short = 0
        for index in connectedIndices {
            let want = expectedPerSubscriber(index)
            let got = delivered[index]
            if got < want { lost += want - got; short += 1 }
            if got > want { extra += got - want }
        }
        let deliverySeconds = lastDelivery > publishWallStart && publishWallStart > 0 ? Double(lastDelivery - publishWallStart) / 1e9 : 0
        return BenchResult(
            label: options.label,
            subscribers: options.subscribers,
            subscribersConnected: connectedIndices.count,
            connectErrors: connection.errors.values.reduce(0, +),
            connectErrorReasons: connection.errors,
            droppedAfterConnect: dropped,
            dropReasons: dropReasons,
            scopes: options.scopes,
            payloadBytes: options.payloadBytes,
            targetRate: options.rate,
            eventsRequested: options.events,
            eventsPublished: publishOutcome.accepted,
            publishErrors: publishOutcome.errors.values.reduce(0, +),
            publishErrorReasons: publishOutcome.errors,
            publishSeconds: publishSeconds,
            publishRate: publishSeconds > 0 ? Double(publishOutcome.accepted) / publishSeconds : 0,
            publishLatencyMs: .init(publishOutcome.requestTime),
            expectedDeliveries: expected,
            deliveries: total,
            lostDeliveries: lost,
            duplicateOrExtraDeliveries: extra,
            subscribersWithLoss: short,
            deliverySeconds: deliverySeconds,
            deliveriesPerSecond: deliverySeconds > 0 ? Double(total) / deliverySeconds : 0,
            latencyMs: .init(latency),
            badStamps: badStamps,
            connectSeconds: connection.seconds,
            connectTimeMs: .init(connection.connectTime),
            toolCPUSeconds: benchProcessCPUSeconds() - cpuStart,
            wallSeconds: Double(benchMonotonicNanos() - wallStart) / 1e9
        )
    }
}

/// The sum of deliveries over all loops, read on each loop.
func totalDelivered(loops: [any EventLoop], stats: [LoopStats]) async -> Int {
    var sum = 0
    for (loop, loopStats) in zip(loops, stats) {
        sum += (try? await loop.submit { loopStats.total }.get()) ?? 0
    }
    return sum
}

extension LatencySummary {
    /// Percentiles of a histogram of microseconds, in milliseconds.
    init(_ histogram: Histogram<UInt64>) {
        let empty = histogram.totalCount == 0
        func ms(_ micros: UInt64) -> Double { empty ? 0 : Double(micros) / 1000 }
        self.init(
            samples: histogram.totalCount,
            p50: ms(histogram.valueAtPercentile(50)),
            p90: ms(histogram.valueAtPercentile(90)),
            p99: ms(histogram.valueAtPercentile(99)),
            p999: ms(histogram.valueAtPercentile(99.9)),
            max: ms(histogram.max),
            mean: empty ? 0 : histogram.mean / 1000,
            distribution: empty ? [] : [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100].map { [$0, ms(histogram.valueAtPercentile($0))] }
        )
    }
}
