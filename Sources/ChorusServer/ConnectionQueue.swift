import DequeModule
import NIOCore
import Synchronization

/// The bounded queue between the Hub (producer, any thread) and one connection's writer task.
///
/// The writer takes everything pending in one go and writes it as one batch, so a busy connection
/// costs one wake-up and one socket write per batch rather than per event. Buffers are swapped, not
/// reallocated, so a steady stream allocates nothing per event here.
final class ConnectionQueue: Sendable {
    enum Next {
        /// `batch` was filled; write it.
        case items
        /// The connection is over; `batch` holds what must still be written (maybe empty).
        case closed(CloseReason)
    }

    private struct State {
        var pending: Deque<Outbound> = []
        var waiter: UnsafeContinuation<Void, Never>?
        var closed: CloseReason?
        var activeSinceTick = false
    }

    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = capacity
        self.state = Mutex(State())
    }

    /// Queues one frame. Returns `false` (and queues nothing) when the queue is full: the caller
    /// disconnects the client. Frames for a closed connection are dropped.
    func enqueue(_ item: Outbound) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, UnsafeContinuation<Void, Never>?) in
            guard state.closed == nil else { return (true, nil) }
            guard state.pending.count < capacity else { return (false, nil) }
            state.pending.append(item)
            state.activeSinceTick = true
            let waiter = state.waiter
            state.waiter = nil
            return (true, waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Queues a heartbeat if nothing was queued since the last call.
    func heartbeatIfIdle(_ bytes: ByteBuffer) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            defer { state.activeSinceTick = false }
            guard state.closed == nil, !state.activeSinceTick, state.pending.count < capacity else { return nil }
            state.pending.append(Outbound(id: nil, bytes: bytes))
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Ends the connection. Pending frames are kept for the writer only if the reason sends a close
    /// event (an orderly end); otherwise they are dropped (the client is gone or too slow).
    func close(_ reason: CloseReason) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard state.closed == nil else { return nil }
            state.closed = reason
            if reason.sendsCloseEvent {
                state.pending.append(Outbound(id: nil, bytes: ControlFrames.close(reason)))
            } else {
                state.pending.removeAll()
            }
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Whether the connection has been closed.
    var isClosed: Bool { state.withLock { $0.closed != nil } }

    /// Waits for frames, then moves all pending frames into `batch` (which must be empty).
    func next(into batch: inout Deque<Outbound>) async -> Next {
        while true {
            let result = state.withLock { state -> Next? in
                if !state.pending.isEmpty {
                    swap(&batch, &state.pending)
                    return state.closed.map(Next.closed) ?? .items
                }
                return state.closed.map(Next.closed)
            }
            if let result { return result }
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.pending.isEmpty && state.closed == nil {
                        state.waiter = continuation
                        return false
                    }
                    return true
                }
                if ready { continuation.resume() }
            }
        }
    }
}
