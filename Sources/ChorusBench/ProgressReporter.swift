import NIOCore
import Synchronization

/// Prints a progress line on standard error about once a second while the run goes on: one
/// redrawn line on a terminal, a plain line every few seconds otherwise.
final class ProgressReporter: Sendable {
    private let options: BenchOptions
    private let loops: [any EventLoop]
    private let stats: [LoopStats]
    private let counters: ProgressCounters
    private let state = Mutex<(phase: String, expected: Int, done: Bool)>(("starting", 0, false))
    private let terminal = standardErrorIsTerminal

    init(options: BenchOptions, loops: [any EventLoop], stats: [LoopStats], counters: ProgressCounters) {
        self.options = options
        self.loops = loops
        self.stats = stats
        self.counters = counters
    }

    func setPhase(_ phase: String) { state.withLock { $0.phase = phase } }
    func setExpected(_ expected: Int) { state.withLock { $0.expected = expected } }

    func run() async {
        guard options.progress else { return }
        var tick = 0
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            if Task.isCancelled { break }
            tick += 1
            let (phase, expected, done) = state.withLock { ($0.phase, $0.expected, $0.done) }
            if done { break }
            let received = await totalDelivered(loops: loops, stats: stats)
            var line = "[\(options.label.isEmpty ? "bench" : options.label)] \(phase): connected \(counters.connected.load(ordering: .relaxed))/\(options.subscribers)"
            let connectErrors = counters.connectErrors.load(ordering: .relaxed)
            if connectErrors > 0 { line += " (\(connectErrors) failed)" }
            if options.events > 0 {
                line += ", published \(counters.published.load(ordering: .relaxed))/\(options.events)"
                let publishErrors = counters.publishErrors.load(ordering: .relaxed)
                if publishErrors > 0 { line += " (\(publishErrors) errors)" }
                line += ", received \(received)" + (expected > 0 ? "/\(expected)" : "")
            }
            if terminal {
                writeStandardError("\r\u{1B}[2K" + line)
            } else if tick % 5 == 0 {
                writeStandardError(line + "\n")
            }
        }
    }

    func finish() {
        state.withLock { $0.done = true }
        if options.progress, terminal { writeStandardError("\r\u{1B}[2K") }
    }
}
