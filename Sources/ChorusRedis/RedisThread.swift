#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts the dedicated threads that own Redis connections (see ``RedisBus`` for why threads).
enum RedisThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(run: @escaping @Sendable () -> Void) {
            self.run = run
        }
    }

    /// Runs `body` on a new detached thread; `name` is for error messages.
    ///
    /// The thread blocks `SIGPIPE`: hiredis writes with `write(2)`, and a write to a Redis that
    /// just died must fail with `EPIPE` on this connection, not kill the process.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(run: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            body.run()
            return nil
        }, context)
        precondition(result == 0, "cannot start thread \(name): error \(result)")
        pthread_detach(thread)
    }
}
