import ArgumentParser
import ChorusBench

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `chorus-bench`: an SSE load generator for Chorus, Nchan, or any server that publishes over
/// HTTP and streams `text/event-stream`.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chorus-bench",
        abstract: "Open N SSE subscribers, publish E stamped events, measure deliveries, latency and loss.",
        discussion: """
        Event data is '<send_unix_nanos> <sequence> xxx…' padded to --payload bytes; every data line \
        received is one delivery. Exits 1 when a connected subscriber got fewer events than were \
        published to its scope, or when subscribers could not connect.

        Chorus:  --subscribe-url 'http://127.0.0.1:8081/events?scope={scope}' --publish-url http://127.0.0.1:8081/publish
        Nchan:   --subscribe-url 'http://127.0.0.1:8091/sub/{scope}' --publish-url 'http://127.0.0.1:8091/pub/{scope}' --publish-format raw
        """
    )

    @Option(name: .customLong("subscribe-url"), help: "SSE URL template with {scope}; repeat for several nodes (subscribers round-robin).")
    var subscribeURLs: [String] = []

    @Option(name: .customLong("subscribe-header"), help: "Extra subscribe request header 'Name: value' (repeatable).")
    var subscribeHeaders: [String] = []

    @Option(name: .customLong("publish-url"), help: "Publish URL (template with {scope} for raw).")
    var publishURL: String?

    @Option(name: .customLong("publish-format"), help: "chorus-json (POST {\"scope\",\"data\"}) or raw (POST the data).")
    var publishFormat: String = "chorus-json"

    @Option(name: .customLong("publish-header"), help: "Extra publish request header, e.g. 'Authorization: Bearer K' (repeatable).")
    var publishHeaders: [String] = []

    @Option(name: [.customShort("n"), .customLong("subscribers")], help: "Concurrent SSE connections.")
    var subscribers: Int = 100

    @Option(help: "Distinct scopes (subscriber i → scope i % S; event k → scope k % S).")
    var scopes: Int = 1

    @Option(name: .customLong("scope-prefix"), help: "Scope name prefix (default: random per run, so buffered old messages never count).")
    var scopePrefix: String?

    @Option(name: [.customShort("e"), .customLong("events")], help: "Events to publish (0: connect only).")
    var events: Int = 1000

    @Option(help: "Target events per second (omit for as fast as the server accepts).")
    var rate: Double?

    @Option(help: "Bytes of event data, stamp included.")
    var payload: Int = 64

    @Option(help: "Keep-alive publish connections.")
    var publishers: Int = 4

    @Option(help: "Publish requests in flight per connection (HTTP/1.1 pipelining).")
    var pipeline: Int = 1

    @Option(name: .customLong("connect-concurrency"), help: "Connection attempts in flight at once.")
    var connectConcurrency: Int = 256

    @Option(name: .customLong("connect-timeout"), help: "Seconds for all subscribers to connect.")
    var connectTimeout: Double = 60

    @Option(help: "Seconds to wait after connecting, before publishing.")
    var settle: Double = 1

    @Option(name: .customLong("duration"), help: "Longest publishing time in seconds.")
    var duration: Double = 120

    @Option(name: .customLong("drain-timeout"), help: "Longest wait for deliveries after the last publish, in seconds.")
    var drainTimeout: Double = 15

    @Option(help: "Seconds to keep the connections open idle after connecting (for memory measurements).")
    var hold: Double = 0

    @Option(name: .customLong("ready-file"), help: "Write this file once every subscriber has connected.")
    var readyFile: String?

    @Option(help: "Event loop threads (default: number of cores).")
    var threads: Int?

    @Option(help: "Name of the run, copied into the output.")
    var label: String = ""

    @Flag(help: "Print one JSON line on standard output (the table goes to standard error).")
    var json = false

    @Flag(name: .customLong("no-progress"), help: "No progress line on standard error.")
    var noProgress = false

    func run() async throws {
        raiseFileDescriptorLimit(needed: subscribers + publishers + 64)
        var options: BenchOptions
        do {
            guard let format = PublishFormat(rawValue: publishFormat) else {
                throw BenchError("--publish-format must be one of: \(PublishFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options = BenchOptions(
                subscribeURLs: try subscribeURLs.map { text throws(BenchError) in try URLTemplate(text) },
                subscribers: subscribers,
                events: events,
                scopePrefix: scopePrefix ?? "b\(UInt32.random(in: 0 ... .max))",
                threads: threads ?? benchDefaultThreads
            )
            options.subscribeHeaders = try subscribeHeaders.map { text throws(BenchError) in try HeaderLine(text) }
            options.publishURL = try publishURL.map { text throws(BenchError) in try URLTemplate(text) }
            options.publishFormat = format
            options.publishHeaders = try publishHeaders.map { text throws(BenchError) in try HeaderLine(text) }
            options.scopes = scopes
            options.rate = rate
            options.payloadBytes = payload
            options.publishConnections = publishers
            options.pipelineDepth = pipeline
            options.connectConcurrency = connectConcurrency
            options.connectTimeout = connectTimeout
            options.settle = settle
            options.publishTimeLimit = duration
            options.drainTimeout = drainTimeout
            options.hold = hold
            options.readyFile = readyFile
            options.label = label
            options.progress = !noProgress
            try options.validate()
        } catch let error as BenchError {
            throw ValidationError(error.description)
        }
        let result = try await BenchRunner(options: options).run()
        if json {
            writeStandardError(result.table() + "\n")
            print(try result.jsonLine())
        } else {
            print(result.table())
        }
        if result.hasLoss || result.connectErrors > 0 {
            throw ExitCode(1)
        }
    }
}

/// Raises the soft file-descriptor limit towards the hard one; warns when it stays too low.
func raiseFileDescriptorLimit(needed: Int) {
    var limit = rlimit()
    #if canImport(Glibc)
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    let resource = RLIMIT_NOFILE
    #endif
    guard getrlimit(resource, &limit) == 0 else { return }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(resource, &raised) == 0 { limit = raised }
    }
    if Int(clamping: limit.rlim_cur) < needed {
        writeStandardError("warning: the file-descriptor limit is \(limit.rlim_cur), below the \(needed) this run needs; raise it with ulimit -n\n")
    }
}
