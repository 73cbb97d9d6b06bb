import ChorusCore
import Logging

/// The reconnect-with-backoff loop that each Redis connection thread runs (the command
/// connection's ``RedisPipeline`` and every ``RedisSubscriber``): run a session, and when it fails
/// wait with capped exponential backoff and jitter, then run it again, until stopped. It logs the
/// first failure as a warning, the repeats as debug, and the recovery once.
struct ReconnectLoop {
    /// What the connection is for, in log messages ("publishing", "the subscription").
    let purpose: String
    let configuration: RedisConfiguration
    let logger: Logger

    /// Runs `session` until it returns normally (the owner is stopping) or `isStopped` says so.
    ///
    /// `session` connects and serves; it calls its argument once its connection is up (which ends
    /// the backoff) and throws when the connection fails. `failed` runs after each failure, before
    /// the wait (to fail queued work, say); `wait` sleeps for the backoff and returns early when
    /// the owner stops.
    func run(
        isStopped: () -> Bool,
        wait: (Duration) -> Void,
        failed: (any Error) -> Void = { _ in },
        session: (_ connected: () -> Void) throws -> Void
    ) {
        var backoff = Backoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)
        var failures = 0
        while !isStopped() {
            do {
                try session {
                    if failures > 0 {
                        configuration.observer?.busReconnected()
                        logger.info("redis connection for \(purpose) is back", metadata: ["chorus.redis": "\(configuration.url)", "chorus.failures": "\(failures)"])
                    }
                    failures = 0
                    backoff.reset()
                }
                return
            } catch {
                guard !isStopped() else { return }
                failures += 1
                let level: Logger.Level = failures == 1 ? .warning : .debug
                logger.log(level: level, "redis connection for \(purpose) failed; reconnecting", metadata: ["chorus.redis": "\(configuration.url)", "chorus.error": "\(error)", "chorus.failures": "\(failures)"])
                failed(error)
                wait(backoff.next())
            }
        }
    }
}
