import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process a test started (a `redis-server`, a `chorus` node). It is stopped by its own PID,
/// never by name, and killed when the value is dropped if the test forgot.
///
/// Spawned with `posix_spawn` and an empty signal mask: a child started from a Swift concurrency
/// thread would otherwise inherit that thread's blocked signals (SIGTERM among them), and a
/// graceful stop could never be tested.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `exitStatus` is only touched with `lock` held; everything else is a `let`.
    /// The process id.
    public let pid: pid_t
    /// The executable and arguments, for messages.
    public let commandLine: String
    /// Where the process's standard output and error go.
    public let logFile: URL
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments` (and `environment` added to this process's own);
    /// output goes to a log file in the temporary directory.
    public init(executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        let name = (executable as NSString).lastPathComponent
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-test-\(name)-\(UUID().uuidString.prefix(8)).log")
        commandLine = ([executable] + arguments).joined(separator: " ")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        #if canImport(Glibc)
        // Nothing else of the test process: a child that inherited a test client's socket would
        // keep that connection open after the test closed it, and the node under test would
        // never see the client go. glibc ≥ 2.34 has closefrom for spawn, but Swift's Glibc module
        // does not export it, hence dlsym.
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
        }
        #endif

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
    }

    /// Reaps the process if it has exited; returns its status, or `nil` while it runs.
    private func poll() -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            guard reaped == pid else { return nil }
            // Exit code, or 128 + signal number for a killed process, as shells report it.
            let signal = status & 0x7F
            exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
            return exitStatus
        }
    }

    private func waitForExit() -> Int32 {
        while true {
            if let status = poll() { return status }
            usleep(5_000)
        }
    }

    /// Whether the process is still running.
    public var isRunning: Bool { poll() == nil }

    /// The exit status once it has exited (128 + n when killed by signal n).
    public var terminationStatus: Int32? { poll() }

    /// What the process wrote so far.
    public var output: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends `signal` to the process.
    public func signal(_ signal: Int32) {
        if isRunning { _ = kill(pid, signal) }
    }

    /// Stops the process: SIGTERM, then SIGKILL if it is still running after `grace`.
    /// Returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Int32 {
        signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if isRunning { signal(SIGKILL) }
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        return poll() ?? -1
    }

    /// Kills the process with SIGKILL and waits for it to be gone.
    public func kill9() async {
        signal(SIGKILL)
        while isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

/// A child process that could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Polls `condition` until it holds or `timeout` passes. Tests wait for behaviour this way instead
/// of sleeping fixed times; the timeout only bounds a failing test.
public func eventually(
    timeout: Duration = .seconds(10),
    poll: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: poll)
    }
    return try await condition()
}
