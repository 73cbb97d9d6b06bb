import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows failovers as soon as the Sentinels announce them: a thread subscribed to `+switch-master`
/// on the first Sentinel that answers (the one ``RedisConnection`` asks first, too), which calls
/// its `switched` closure when the primary of the URL's name moves. The bus then drops its connections, and
/// each reconnects to the new primary, resubscribes and fills its gap from the history, as after
/// any lost connection.
///
/// Without it a node would only move once it loses the old primary; after a `SENTINEL FAILOVER`
/// the old primary keeps accepting writes until the Sentinels get round to demoting it, and what
/// is written there meanwhile is lost when it resynchronises from the new primary.
final class SentinelWatcher: Sendable {
    private let configuration: RedisConfiguration
    private let sentinel: RedisURL.Sentinel
    private let logger: Logger
    private let shutdown = ShutdownHandle()
    private let stopping = ConditionLock(false)

    /// `nil` unless the URL names Sentinels.
    init?(configuration: RedisConfiguration, logger: Logger) {
        guard let sentinel = configuration.url.sentinel else { return nil }
        self.configuration = configuration
        self.sentinel = sentinel
        self.logger = logger
    }

    /// Starts the thread; it runs until ``stop()`` and calls `switched` (on its thread, with
    /// "old → new" for the logs) each time the primary moves.
    func start(switched: @escaping @Sendable (String) -> Void) {
        RedisThread.start(name: "redis-sentinel") { self.main(switched) }
    }

    /// Wakes the thread and makes it finish.
    func stop() {
        stopping.withLockAndBroadcast { $0 = true }
        shutdown.shutDown()
    }

    private func main(_ switched: (String) -> Void) {
        ReconnectLoop(purpose: "the sentinels' +switch-master", configuration: configuration, logger: logger).run(
            isStopped: { shutdown.isShutDown },
            wait: { delay in stopping.wait(until: { $0 }, timeout: delay) { _ in } }
        ) { connected in
            try session(connected: connected, switched: switched)
        }
    }

    /// Subscribes on the first Sentinel that answers and waits for announcements until the
    /// connection fails (throws) or the watcher stops (returns).
    private func session(connected: () -> Void, switched: (String) -> Void) throws {
        let tls = configuration.url.tls ? configuration.tls : nil
        var failures: [String] = []
        var made: RedisConnection?
        for node in sentinel.nodes {
            do throws(RedisConnectionError) {
                let connection = try RedisConnection(sentinel: node, of: sentinel, tls: tls, connectTimeout: configuration.connectTimeout, commandTimeout: configuration.commandTimeout)
                let reply = try connection.command(["SUBSCRIBE", "+switch-master"].map(RedisConnection.bytes))
                guard reply.array?.first?.text == "subscribe" else {
                    connection.close()
                    throw RedisConnectionError("unexpected reply to SUBSCRIBE +switch-master from \(connection.address): \(reply)")
                }
                made = connection
                break
            } catch {
                failures.append(error.message)
            }
        }
        guard let connection = made else {
            throw RedisConnectionError("no sentinel accepted SUBSCRIBE +switch-master: \(failures.joined(separator: "; "))")
        }
        defer {
            shutdown.unregister()
            connection.close()
        }
        guard shutdown.register(connection.fileDescriptor) else { return }
        connected()
        while true {
            while let reply = try connection.bufferedReply() {
                if let moved = switchAnnouncement(reply) {
                    logger.info("the sentinels switched the primary; following", metadata: ["chorus.redis": "\(configuration.url)", "chorus.primary": "\(moved)"])
                    switched(moved)
                }
            }
            if shutdown.isShutDown { return }
            // Nothing is sent on this connection, so the command timeout does not apply: wait in
            // slices, for an announcement or for stop().
            var descriptor = pollfd(fd: connection.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 500)
            if ready > 0 {
                try connection.readAvailable()
            } else if ready < 0, errno != EINTR {
                throw RedisConnectionError("poll on the sentinel connection failed: errno \(errno)")
            }
        }
    }

    /// `message +switch-master "<name> <old-ip> <old-port> <new-ip> <new-port>"`.
    /// "old → new" when `reply` announces a new primary for our name.
    private func switchAnnouncement(_ reply: RedisReply) -> String? {
        guard let items = reply.array, items.count == 3, items[0].text == "message", let text = items[2].text else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 5, parts[0] == sentinel.primaryName else { return nil }
        return "\(parts[1]):\(parts[2]) → \(parts[3]):\(parts[4])"
    }
}
