import ArgumentParser
import ChorusCore
import ChorusServer
import ChorusTesting
import Dispatch
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// `chorus-alloc`: counts the heap allocations of a node's hot paths and checks them against the
/// committed budgets. Run through `scripts/alloc-budgets.sh`.
///
/// Timings are noisy; allocation counts are not. A change that makes the node allocate more per
/// event, per publish or per stream shows here as a number, and fails CI.
@main
struct ChorusAlloc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus-alloc",
        abstract: "Counts a node's heap allocations per operation and checks them against budgets."
    )

    @Option(help: "The budgets file to check against (e.g. bench/alloc-budgets.json); without it, only measure.")
    var budgets: String?

    @Option(help: "Measured runs per operation; the run with the fewest allocations counts.")
    var runs = 5

    @Option(help: "Subscriber counts for the fan-out measurements.")
    var subscribers: [Int] = [1, 100, 1000]

    @Option(help: "After measuring, trace the stack of every allocation of a few events to the most subscribers into this file.")
    var trace: String?

    @Option(help: "After measuring, trace every allocation and free while 100 idle streams open into this file (what the streams hold).")
    var traceStreams: String?

    @Flag(help: "Print the measured figures as a budgets object, to paste into the budgets file.")
    var json = false

    /// The build configuration, whose budgets apply.
    #if DEBUG
    static let buildConfiguration = "debug"
    #else
    static let buildConfiguration = "release"
    #endif

    /// The whole run may not take longer than this (a hung node must not hang CI).
    static let deadlineSeconds = 300

    func run() async throws {
        // Fixed, so the counts do not depend on the machine's cores: how many loops a fan-out
        // touches is part of what is counted.
        NIOSingletons.groupLoopCountSuggestion = 2
        // Each subscriber takes two descriptors (its client socket and the node's).
        var files = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files) == 0, files.rlim_cur < files.rlim_max {
            files.rlim_cur = files.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &files)
        }
        guard AllocationCount.isActive else {
            throw ValidationError("allocations are not being counted: this binary's malloc is not the one the process uses (is CAllocCounter linked in?)")
        }
        let budgets = try self.budgets.map { path in try Budgets(json: String(decoding: try readFile(path), as: UTF8.self), configuration: Self.buildConfiguration) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Self.deadlineSeconds)) {
            print("chorus-alloc: gave up after \(Self.deadlineSeconds) s")
            Glibc.exit(3)
        }
        let measurements = try await TestNode.withNode(bus: InMemoryBus(historyCapacity: 64)) {
            // No heartbeat tick during the measurements; room for the largest fan-out.
            $0.heartbeatInterval = .seconds(3600)
            $0.maximumConnections = 100_000
            if getenv("ALLOC_METRICS_OFF") != nil { $0.metricsEnabled = false }
        } _: { node in
            let clients = try await ProbeClients.start(port: node.port)
            let scenarios = Scenarios(node: node, clients: clients, measurer: Measurer(clients: clients, runs: runs))
            var measurements: [Measurement] = []
            do {
                measurements.append(try await scenarios.streamSetup())
                measurements.append(try await scenarios.streamHeap())
                measurements.append(try await scenarios.publish())
                for count in subscribers.sorted() {
                    measurements.append(try await scenarios.fanOut(to: count))
                }
                if let trace { try await scenarios.traceFanOut(events: 3, to: trace) }
                if let traceStreams { try await scenarios.traceStreams(100, to: traceStreams) }
            } catch {
                try? await clients.closeStreams()
                try? await clients.shutdown()
                throw error
            }
            try await clients.closeStreams()
            try await clients.shutdown()
            return measurements
        }
        let report = BudgetReport(measurements: measurements, budgets: budgets)
        print("heap allocations per operation, \(Self.buildConfiguration) build (the fewest of \(runs) runs):")
        print(report.table)
        if json { print(report.json) }
        if !report.passed { throw ExitCode(1) }
    }

    private func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw ValidationError("cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let read = fread(&chunk, 1, chunk.count, file)
            if read <= 0 { break }
            bytes += chunk[0..<read]
        }
        return bytes
    }
}
