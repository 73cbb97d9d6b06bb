import Synchronization
import Histogram
import NIOCore
import NIOPosix

/// Opens the SSE connections, a bounded number at a time, and keeps them.
struct SubscriberPool {
    let options: BenchOptions
    let loops: [any EventLoop]
    let stats: [LoopStats]
    let progress: ProgressCounters

    /// What connecting produced.
    struct Outcome {
        var channels: [(any Channel)?]
        var connectTime = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var errors: [String: Int] = [:]
        var seconds: Double = 0
    }

    /// Connects every subscriber (retrying refused connections a few times).
    func connectAll() async -> Outcome {
        var outcome = Outcome(channels: Array(repeating: nil, count: options.subscribers))
        let started = benchMonotonicNanos()
        let total = options.subscribers
        let width = max(1, options.connectConcurrency)
        await withTaskGroup(of: (Int, Result<(any Channel, UInt64), BenchError>).self) { group in
            var next = 0
            func add(_ index: Int) {
                group.addTask { (index, await connect(index)) }
            }
            while next < min(width, total) { add(next); next += 1 }
            for await (index, result) in group {
                switch result {
                case .success(let (channel, micros)):
                    outcome.channels[index] = channel
                    outcome.connectTime.record(micros)
                    progress.connected.add(1, ordering: .relaxed)
                case .failure(let error):
                    outcome.errors[error.description, default: 0] += 1
                    progress.connectErrors.add(1, ordering: .relaxed)
                }
                if next < total { add(next); next += 1 }
            }
        }
        outcome.seconds = Double(benchMonotonicNanos() - started) / 1e9
        return outcome
    }

    /// The request bytes for subscriber `index`.
    private func request(_ index: Int) -> (URLTemplate, ByteBuffer) {
        let url = options.subscribeURLs[index % options.subscribeURLs.count]
        let scope = options.scopeName(index % options.scopes)
        var text = "GET \(url.path(scope: scope)) HTTP/1.1\r\nHost: \(url.host):\(url.port)\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n"
        for header in options.subscribeHeaders { text += "\(header.name): \(header.value)\r\n" }
        text += "\r\n"
        return (url, ByteBuffer(string: text))
    }

    /// Connects subscriber `index`; returns its channel and how long it took, in microseconds.
    private func connect(_ index: Int) async -> Result<(any Channel, UInt64), BenchError> {
        let loop = loops[index % loops.count]
        let stats = self.stats[index % loops.count]
        let (url, request) = self.request(index)
        let deadline = benchMonotonicNanos() + UInt64(options.connectTimeout * 1e9)
        var attempt = 0
        while true {
            attempt += 1
            let started = benchMonotonicNanos()
            let connected = loop.makePromise(of: Void.self)
            do {
                let channel = try await ClientBootstrap(group: loop)
                    .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                    .connectTimeout(.seconds(10))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                SubscriberHandler(index: index, request: request, stats: stats, connected: connected)
                            )
                        }
                    }
                    .connect(host: url.host, port: url.port)
                    .get()
                do {
                    try await connected.futureResult.get()
                } catch {
                    channel.close(promise: nil)
                    throw error
                }
                return .success((channel, (benchMonotonicNanos() - started) / 1000))
            } catch {
                connected.fail(error)
                let message = (error as? BenchError)?.description ?? "\(error)"
                // Refused or reset connections (a full accept backlog) are worth another try;
                // an HTTP answer other than 200 is not.
                if message.hasPrefix("HTTP ") || attempt >= 5 || benchMonotonicNanos() > deadline {
                    return .failure(BenchError(message))
                }
                try? await Task.sleep(nanoseconds: UInt64(attempt) * 200_000_000)
            }
        }
    }
}
