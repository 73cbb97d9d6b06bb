import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lets another thread wake a thread blocked on a connection's socket, with `shutdown(fd, SHUT_RDWR)`.
///
/// The owner registers the descriptor after connecting and unregisters it *before* closing it, all
/// under one lock, so `shutdown` can never hit a descriptor number the kernel has reused for
/// something else.
final class ShutdownHandle: Sendable {
    private struct State {
        var descriptor: Int32?
        var isShutDown = false
        /// How many times ``interrupt()`` was called.
        var interrupts = 0
    }

    private let state = Mutex(State())

    /// Registers the socket of a new connection. Returns `false` (and registers nothing) if
    /// ``shutDown()`` was already called: the owner should close and stop.
    ///
    /// `interrupts` is ``interrupts`` read before the connection was made: if ``interrupt()`` came
    /// meanwhile, the connection is broken at once (it may lead to the old primary).
    func register(_ descriptor: Int32, interrupts: Int? = nil) -> Bool {
        state.withLock { state in
            guard !state.isShutDown else { return false }
            state.descriptor = descriptor
            if let interrupts, interrupts != state.interrupts {
                _ = shutdown(descriptor, Int32(SHUT_RDWR))
            }
            return true
        }
    }

    /// How many times ``interrupt()`` was called; read it before connecting, for ``register(_:interrupts:)``.
    var interrupts: Int { state.withLock { $0.interrupts } }

    /// Forgets the socket; call it before closing the connection.
    func unregister() {
        state.withLock { $0.descriptor = nil }
    }

    /// Whether ``shutDown()`` was called.
    var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Breaks the owner's current connection (its blocked read or write fails at once), without
    /// stopping it: it reconnects as after any failure. A connection being made meanwhile is
    /// broken when it registers.
    func interrupt() {
        state.withLock { state in
            state.interrupts += 1
            if let descriptor = state.descriptor {
                _ = shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
    }

    /// Wakes the owner: its blocked read or write fails at once, and later registrations refuse.
    func shutDown() {
        state.withLock { state in
            state.isShutDown = true
            if let descriptor = state.descriptor {
                _ = shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
    }
}
