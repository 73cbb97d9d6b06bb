#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts the dedicated threads that own Redis connections (see ``RedisBus`` for why threads).
enum RedisThread {
    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }

        func start() {
            setThreadName(name)
            run()
        }
    }

    /// Runs `body` on a new detached thread; `name` is for error messages, and (its first 15 bytes,
    /// the kernel's limit) the thread's name in `/proc/PID/task/*/comm`, `top -H` and debuggers.
    ///
    /// The thread blocks `SIGPIPE`: hiredis writes with `write(2)`, and a write to a Redis that
    /// just died must fail with `EPIPE` on this connection, not kill the process.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &signals, nil)
            body.start()
            return nil
        }, context)
        precondition(result == 0, "cannot start thread \(name): error \(result)")
        pthread_detach(thread)
    }
}

/// Names the calling thread (Linux; `pthread_setname_np` is not visible to Swift, and `prctl` is
/// variadic). A failure only leaves the name as it was.
private func setThreadName(_ name: String) {
    #if os(Linux)
    let descriptor = open("/proc/thread-self/comm", O_WRONLY)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let bytes = Array(name.utf8.prefix(15))
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    #endif
}
