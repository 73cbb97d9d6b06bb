import ChorusCore
import Logging

/// The command connection: one thread owns one connection and sends everything queued (publishes,
/// history reads, probes) as one pipelined batch, then reads the replies in order.
///
/// Under load, callers pile up while a batch is in flight and the next round takes them all, so
/// throughput comes from batching rather than one round trip per event. While Redis is
/// unreachable, `submit` fails at once with ``BusError/Code/unavailable`` and queues nothing; the
/// thread reconnects in the background with capped exponential backoff.
///
/// Every failure says what became of the command: ``BusError/Code/unavailable`` when it was
/// certainly not sent (refused while Redis is down, or still queued when the connection broke),
/// ``BusError/Code/outcomeUnknown`` when it was handed to the socket and no answer came (the
/// connection broke or the command timeout passed). An error *reply* is a success here: the
/// caller reads it.
final class RedisPipeline: Sendable {
    private struct Job: Sendable {
        let command: RedisCommand
        let completion: @Sendable (Result<RedisReply, BusError>) -> Void
    }

    private enum Phase: Sendable {
        /// Before the first connection attempt ends: commands wait for it.
        case connecting
        case up
        /// Unreachable since the last attempt, for this reason.
        case down(String)
        case stopped
    }

    private struct State: Sendable {
        var phase = Phase.connecting
        var queue: [Job] = []
        var stopping = false
        /// Redis answered a write with `OOM`, and no write has succeeded since.
        var outOfMemory = false
        /// The Sentinels announced a new primary: reconnect now, without waiting out the backoff.
        var followNow = false
    }

    /// The most commands sent in one batch.
    private static let maximumBatch = 1024

    private let configuration: RedisConfiguration
    private let logger: Logger
    private let state = ConditionLock(State())
    private let shutdown = ShutdownHandle()

    init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts the thread; it runs until ``stop()``.
    func start() {
        RedisThread.start(name: "redis-cmd") { self.main() }
    }

    /// Stops the thread: queued and in-flight commands fail, and later ones are refused.
    func stop() {
        state.withLockAndBroadcast { $0.stopping = true }
        shutdown.shutDown()
    }

    /// Drops the current connection so that the thread connects again (to a new primary, after a
    /// Sentinel `+switch-master`).
    func reconnect() {
        state.withLockAndBroadcast { $0.followNow = true }
        shutdown.interrupt()
    }

    /// Whether the connection is up (as far as the last command could tell).
    var isConnected: Bool {
        state.withLock { if case .up = $0.phase { true } else { false } }
    }

    /// Whether Redis refuses writes for lack of memory: set when a write is answered `OOM`,
    /// cleared when one succeeds again (see ``RedisBus/watchMemory()``).
    var isOutOfMemory: Bool { state.withLock { $0.outOfMemory } }

    /// Records whether Redis refuses writes for lack of memory.
    func setOutOfMemory(_ value: Bool) {
        state.withLockAndBroadcast { $0.outOfMemory = value }
    }

    /// Queues `command`; `completion` runs with the reply (on the pipeline thread), or at once with
    /// an error if Redis is unreachable. Returns `false` in that last case: the command was
    /// certainly not sent (a later failure, once sent, leaves the outcome unknown).
    @discardableResult
    func submit(_ command: RedisCommand, completion: @escaping @Sendable (Result<RedisReply, BusError>) -> Void) -> Bool {
        let refusal: BusError? = state.withLockAndBroadcast { state in
            if state.stopping { return BusError(.unavailable, "the redis bus is shut down") }
            switch state.phase {
            case .connecting, .up:
                state.queue.append(Job(command: command, completion: completion))
                return nil
            case .down(let reason):
                return BusError(.unavailable, "redis at \(configuration.url.address) is unavailable (\(reason)); reconnecting in the background")
            case .stopped:
                return BusError(.unavailable, "the redis bus is shut down")
            }
        }
        if let refusal { completion(.failure(refusal)) }
        return refusal == nil
    }

    /// Runs `command` and waits for its reply.
    func execute(_ command: RedisCommand) async throws(BusError) -> RedisReply {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<RedisReply, BusError>, Never>) in
            submit(command) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Queues `commands` one after the other (so they go out in this order on one connection) and
    /// waits for every result.
    func execute(all commands: [RedisCommand]) async -> [Result<RedisReply, BusError>] {
        guard !commands.isEmpty else { return [] }
        return await withCheckedContinuation { (continuation: CheckedContinuation<[Result<RedisReply, BusError>], Never>) in
            let results = ConditionLock<[Result<RedisReply, BusError>?]>(Array(repeating: nil, count: commands.count))
            for (index, command) in commands.enumerated() {
                submit(command) { result in
                    let all: [Result<RedisReply, BusError>]? = results.withLockAndBroadcast { results in
                        results[index] = result
                        let done = results.compactMap { $0 }
                        return done.count == results.count ? done : nil
                    }
                    if let all { continuation.resume(returning: all) }
                }
            }
        }
    }

    /// Runs `command` and blocks the calling thread until its reply. Only for the bus's own threads
    /// (never the pipeline thread itself, never a Swift concurrency thread).
    func executeBlocking(_ command: RedisCommand) throws(BusError) -> RedisReply {
        let box = ConditionLock<Result<RedisReply, BusError>?>(nil)
        submit(command) { result in box.withLockAndBroadcast { $0 = result } }
        return try box.wait(until: { $0 != nil }) { $0! }.get()
    }

    // MARK: - The thread

    private func main() {
        let unavailable = { (error: any Error) in
            BusError(.unavailable, "redis at \(self.configuration.url.address) is unavailable (\(error)); reconnecting in the background")
        }
        ReconnectLoop(purpose: "publishing", configuration: configuration, logger: logger).run(
            isStopped: { shutdown.isShutDown },
            wait: { delay in state.wait(until: { $0.stopping || $0.followNow }, timeout: delay) { $0.followNow = false } },
            failed: { error in fail(takeQueue(marking: .down("\(error)")), with: unavailable(error)) }
        ) { connected in
            let interrupts = shutdown.interrupts
            let (connection, shas) = try connect()
            if shutdown.interrupts != interrupts {
                // Not up yet, so nothing queued is lost to an outcome-unknown failure.
                connection.close()
                throw RedisConnectionError("the sentinels announced a new primary while connecting; connecting again")
            }
            guard shutdown.register(connection.fileDescriptor, interrupts: interrupts) else { return }
            defer {
                shutdown.unregister()
                connection.close()
            }
            state.withLockAndBroadcast { $0.phase = .up }
            connected()
            if let error = serve(connection, shas: shas) { throw error }
        }
        fail(takeQueue(marking: .stopped), with: BusError(.unavailable, "the redis bus is shut down"))
    }

    /// Connects and loads the scripts; returns the connection and each script's SHA1 by name.
    private func connect() throws(RedisConnectionError) -> (RedisConnection, [String: String]) {
        let connection = try RedisConnection(url: configuration.url, tls: configuration.tls, connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout)
        var shas: [String: String] = [:]
        for (script, reply) in zip(RedisScript.all, try connection.pipeline(RedisScript.all.map { ["SCRIPT", "LOAD", $0.source].map(RedisConnection.bytes) })) {
            guard let sha = reply.text, reply.errorMessage == nil else {
                throw RedisConnectionError("redis at \(connection.address) refused SCRIPT LOAD of \(script.name): \(reply.errorMessage ?? "\(reply)")")
            }
            shas[script.name] = sha
        }
        return (connection, shas)
    }

    /// Sends batches until the connection breaks (returns the error) or the pipeline stops (`nil`).
    private func serve(_ connection: RedisConnection, shas: [String: String]) -> RedisConnectionError? {
        while true {
            let batch: [Job]? = state.wait(until: { !$0.queue.isEmpty || $0.stopping }) { state in
                guard !state.stopping else { return nil }
                let count = min(state.queue.count, Self.maximumBatch)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                return batch
            }
            guard let batch else { return nil }
            do {
                let lost = try send(batch, on: connection, shas: shas)
                // Redis forgot the scripts (restart behind a proxy, failover, SCRIPT FLUSH): send
                // those commands again with the full source. EVAL caches the script again.
                if !lost.isEmpty {
                    logger.info("redis lost the chorus scripts; sending them again", metadata: ["chorus.redis": "\(configuration.url)"])
                    _ = try send(lost, on: connection, shas: [:])
                }
            } catch {
                return error
            }
        }
    }

    /// Pipelines `batch` and completes each job with its reply. Returns the script jobs that got
    /// `NOSCRIPT` (not completed). On a broken connection, completes the unanswered jobs with an
    /// error and throws.
    private func send(_ batch: [Job], on connection: RedisConnection, shas: [String: String]) throws(RedisConnectionError) -> [Job] {
        var noScript: [Job] = []
        var answered = 0
        // The server became a replica (a failover demoted it): find the primary again.
        var demoted = false
        do {
            for job in batch {
                try connection.append(job.command.arguments(sha: job.command.script.flatMap { shas[$0.name] }))
            }
            for job in batch {
                let reply = try connection.readReply()
                answered += 1
                if job.command.script != nil, let message = reply.errorMessage, message.hasPrefix("NOSCRIPT") {
                    noScript.append(job)
                } else {
                    if reply.errorMessage?.hasPrefix("READONLY") == true { demoted = true }
                    job.completion(.success(reply))
                }
            }
        } catch {
            // Sent (or partly sent: hiredis writes while waiting for the first reply), never
            // answered: Redis may have run them. Only the NOSCRIPT ones certainly did nothing.
            fail(batch[answered...], with: BusError(.outcomeUnknown, "lost the connection to redis at \(configuration.url.address) after sending the command, before it answered (\(error)); it may or may not have taken effect"))
            fail(noScript, with: BusError(.unavailable, "lost the connection to redis at \(configuration.url.address) (\(error)); the command was not run"))
            throw error
        }
        if demoted {
            fail(noScript, with: BusError(.unavailable, "redis at \(connection.address) is a replica now; the command was not run"))
            throw RedisConnectionError("redis at \(connection.address) answered READONLY: it is a replica now; reconnecting to the primary")
        }
        return noScript
    }

    private func takeQueue(marking phase: Phase) -> [Job] {
        state.withLockAndBroadcast { state in
            state.phase = state.stopping ? .stopped : phase
            defer { state.queue = [] }
            return state.queue
        }
    }

    private func fail(_ jobs: some Sequence<Job>, with error: BusError) {
        for job in jobs { job.completion(.failure(error)) }
    }
}
