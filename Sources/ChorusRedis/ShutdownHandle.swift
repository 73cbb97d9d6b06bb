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
    }

    private let state = Mutex(State())

    /// Registers the socket of a new connection. Returns `false` (and registers nothing) if
    /// ``shutDown()`` was already called: the owner should close and stop.
    func register(_ descriptor: Int32) -> Bool {
        state.withLock { state in
            guard !state.isShutDown else { return false }
            state.descriptor = descriptor
            return true
        }
    }

    /// Forgets the socket; call it before closing the connection.
    func unregister() {
        state.withLock { $0.descriptor = nil }
    }

    /// Whether ``shutDown()`` was called.
    var isShutDown: Bool { state.withLock { $0.isShutDown } }

    /// Breaks the owner's current connection (its blocked read or write fails at once), without
    /// stopping it: it reconnects as after any failure.
    func interrupt() {
        state.withLock { state in
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
