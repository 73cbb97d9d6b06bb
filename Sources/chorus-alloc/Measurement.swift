/// One operation's heap allocations, measured over several runs of many iterations each.
struct Measurement: Sendable {
    /// The budget file's key.
    var key: String
    /// What one operation is, for the table.
    var title: String
    /// Allocations per operation in each run.
    var perRun: [Double]
    /// Bytes asked for per operation, in the run with the fewest allocations.
    var bytesPerOperation: Double
    /// Whether the runs' median is compared with the budget rather than their fewest: for bytes
    /// held, which a free of something from before the run can lower as well as other work raise.
    var comparesMedian = false

    /// The figure compared with the budget: the run with the fewest allocations (anything else
    /// that ran meanwhile, a once-a-second ticker, only ever adds, so the fewest is the truest),
    /// or the median of the runs (``comparesMedian``).
    var allocations: Double {
        guard comparesMedian else { return perRun.min() ?? 0 }
        let sorted = perRun.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
    /// The run with the most, to show how steady the count is.
    var worst: Double { perRun.max() ?? 0 }
}

/// Runs an operation `iterations` times per run, `runs` times, after a warm-up, and divides the
/// allocations counted between a quiet node before and a quiet node after by `iterations`.
struct Measurer {
    let clients: ProbeClients
    let runs: Int

    func measure(
        _ key: String, _ title: String, iterations: Int, warmup: Int,
        _ operation: (Int) async throws -> Void,
        reset: () async throws -> Void = {}
    ) async throws -> Measurement {
        if warmup > 0 {
            try await operation(warmup)
            try await reset()
        }
        var perRun: [Double] = []
        var bytes: [Double] = []
        for _ in 0..<runs {
            let before = try await clients.quiesce()
            try await operation(iterations)
            let after = try await clients.quiesce()
            try await reset()
            let used = after - before
            perRun.append(Double(used.allocations) / Double(iterations))
            bytes.append(Double(used.bytes) / Double(iterations))
        }
        let progress = perRun.map { "\($0)" }.joined(separator: ", ")
        print("chorus-alloc: \(key): allocations per operation in each run: \(progress)")
        let best = perRun.indices.min { perRun[$0] < perRun[$1] } ?? 0
        return Measurement(key: key, title: title, perRun: perRun, bytesPerOperation: bytes.isEmpty ? 0 : bytes[best])
    }
}
