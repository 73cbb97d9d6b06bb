import ChorusCore
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The subscribe side of one `run(delivering:)`: a thread with its own connection that subscribes
/// to the channel and hands every message to the receiver, in order, straight from the thread.
///
/// On any failure (the connection breaks, or a probe does not come back in time) it reconnects
/// with backoff, subscribes again, and fills the gap from the history: everything after the last
/// event it delivered, then live messages, skipping ids it already delivered. If the history no
/// longer has all of it, the receiver gets ``BusMessage/gap`` first.
final class RedisSubscriber: Sendable {
    private let configuration: RedisConfiguration
    private let pipeline: RedisPipeline
    private let history: RedisHistory
    private let receiver: any BusReceiver
    private let logger: Logger
    private let probes = ProbeTracker()
    private let shutdown = ShutdownHandle()
    /// What ends the thread's sleep between reconnection attempts: ``stop()``, or ``reconnect()``
    /// (a new primary was announced, so there is no point in waiting out the backoff).
    private struct Wake {
        var stopping = false
        var followNow = false
    }

    private let wake = ConditionLock(Wake())

    init(configuration: RedisConfiguration, pipeline: RedisPipeline, history: RedisHistory, receiver: any BusReceiver, logger: Logger) {
        self.configuration = configuration
        self.pipeline = pipeline
        self.history = history
        self.receiver = receiver
        self.logger = logger
    }

    /// Subscribed, and its own probe came back within the probe timeout.
    var isLive: Bool { probes.isLive(timeout: configuration.probeTimeout) }

    /// Runs the thread until ``stop()``; returns once the thread has finished and closed its
    /// connection.
    func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            RedisThread.start(name: "redis-sub") {
                self.main()
                continuation.resume()
            }
        }
    }

    /// Wakes the thread and makes it finish.
    func stop() {
        wake.withLockAndBroadcast { $0.stopping = true }
        shutdown.shutDown()
    }

    /// Drops the current connection so that the thread connects again (to a new primary, after a
    /// Sentinel `+switch-master`).
    func reconnect() {
        wake.withLockAndBroadcast { $0.followNow = true }
        shutdown.interrupt()
    }

    // MARK: - The thread

    private func main() {
        // Where delivery stands; fixed before the first subscription, so that events published
        // while the first connection is being set up are not missed either.
        var position: Position?
        ReconnectLoop(purpose: "the subscription", configuration: configuration, logger: logger).run(
            isStopped: { shutdown.isShutDown },
            wait: { delay in wake.wait(until: { $0.stopping || $0.followNow }, timeout: delay) { $0.followNow = false } },
            failed: { _ in probes.setSubscribed(false) }
        ) { connected in
            try session(position: &position, subscribed: connected)
        }
        probes.setSubscribed(false)
    }

    /// Where delivery stands.
    private struct Position {
        /// The last event delivered, or `nil` if there was no history when the subscriber started
        /// and nothing was delivered since: then everything in the history is new.
        var lastDelivered: EventID?
    }

    /// One connection's life: subscribe, fill the gap, deliver until it fails (throws) or the
    /// subscriber stops (returns).
    private func session(position: inout Position?, subscribed: () -> Void) throws {
        if position == nil {
            position = Position(lastDelivered: try history.lastIDBlocking())
        }
        var lastDelivered = position!.lastDelivered
        defer { position = Position(lastDelivered: lastDelivered) }
        let interrupts = shutdown.interrupts
        let connection = try RedisConnection(url: configuration.url, tls: configuration.tls, connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout)
        defer {
            shutdown.unregister()
            connection.close()
        }
        guard shutdown.register(connection.fileDescriptor, interrupts: interrupts) else { return }
        let confirmation = try connection.command(["SUBSCRIBE", configuration.channel].map(RedisConnection.bytes))
        guard confirmation.array?.first?.text == "subscribe" else {
            throw RedisConnectionError("unexpected reply to SUBSCRIBE from redis at \(connection.address): \(confirmation)")
        }

        // Live messages queue up in the socket meanwhile; those already replayed are skipped below.
        try fillGap(after: &lastDelivered)
        probes.setSubscribed(true)
        subscribed()

        let pollSlice = Duration.milliseconds(250)
        var nextProbe = ContinuousClock.now
        while true {
            var batch: [BusMessage] = []
            while let reply = try connection.bufferedReply() {
                handle(reply, into: &batch, lastDelivered: &lastDelivered)
            }
            if !batch.isEmpty { receiver.receive(batch) }
            if shutdown.isShutDown { return }

            let now = ContinuousClock.now
            if let age = probes.overdue(timeout: configuration.probeTimeout, at: now) {
                configuration.observer?.busProbeFailed()
                throw RedisConnectionError("no probe came back over the subscription in \(age); the subscription is dead")
            }
            if now >= nextProbe {
                sendProbe()
                nextProbe = now + configuration.probeInterval
            }
            var descriptor = pollfd(fd: connection.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let wait = min(now.duration(to: nextProbe), pollSlice)
            let ready = poll(&descriptor, 1, Int32(max(1, wait / .milliseconds(1))))
            if ready > 0 {
                try connection.readAvailable()
            } else if ready < 0, errno != EINTR {
                throw RedisConnectionError("poll on the subscription failed: errno \(errno)")
            }
        }
    }

    private func fillGap(after lastDelivered: inout EventID?) throws(BusError) {
        let replay = try history.replayBlocking(after: lastDelivered)
        var batch: [BusMessage] = []
        if !replay.isComplete {
            logger.warning("events were lost while the subscription was down and are no longer in the history; sending a gap", metadata: ["chorus.redis": "\(configuration.url)", "chorus.last_id": "\(lastDelivered.map(String.init(describing:)) ?? "none")"])
            batch.append(.gap)
        }
        for envelope in replay.events {
            batch.append(.event(envelope))
            lastDelivered = envelope.id
        }
        if !batch.isEmpty { receiver.receive(batch) }
    }

    private func handle(_ reply: RedisReply, into batch: inout [BusMessage], lastDelivered: inout EventID?) {
        guard let items = reply.array, items.count == 3, items[0].text == "message", let payload = items[2].bytes else {
            logger.debug("ignoring a non-message reply on the subscription", metadata: ["chorus.reply": "\(reply)"])
            return
        }
        switch ChannelMessage(payload) {
        case .event(let id, let json)?:
            if let last = lastDelivered, id <= last { return }  // delivered already (from the history)
            do {
                batch.append(.event(try WireFormat.decodeEnvelope(json, id: id)))
                lastDelivered = id
            } catch {
                skip(payload, because: "an event that is not valid chorus JSON (\(error))")
            }
        case .control(let json)?:
            do {
                batch.append(.control(try WireFormat.decodeControl(json)))
            } catch {
                skip(payload, because: "a control message that is not valid chorus JSON (\(error))")
            }
        case .probe(let token, let nonce)?:
            if token == probes.token, let roundTrip = probes.seen(nonce) { configuration.observer?.busProbeReturned(after: roundTrip) }
        case nil:
            skip(payload, because: "a message that is not a chorus message")
        }
    }

    private func skip(_ payload: [UInt8], because reason: String) {
        logger.warning("skipping \(reason) on the channel", metadata: ["chorus.channel": "\(configuration.channel)", "chorus.preview": "\(ChannelMessage.preview(payload))"])
    }

    private func sendProbe() {
        let nonce = probes.send()
        let payload = ChannelMessage.probe(token: probes.token, nonce: nonce).payload
        // A probe counts once sent. If the command connection breaks before Redis answers, the
        // probe may still have been published, so it keeps counting; only a probe that certainly
        // was not published (refused, or an error reply) is forgotten.
        let sent = pipeline.submit(configuration.publishCommand(payload)) { [probes] result in
            if case .success(let reply) = result, reply.errorMessage != nil { probes.failed(nonce) }
        }
        if !sent {
            probes.failed(nonce)
            configuration.observer?.busProbeFailed()
        }
    }
}
