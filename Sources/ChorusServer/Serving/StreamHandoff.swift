import Synchronization

/// Where the `/events` route leaves a stream it accepted, for the ``EventsInterceptor`` that
/// serves it: the route answers with the response head only, and the interceptor writes the head
/// and starts the stream on the connection's event loop, so no task stays behind for it.
///
/// One per intercepted request, in its ``ChorusRequestContext``.
final class StreamHandoff: Sendable {
    private let prepared = Mutex<PreparedStream?>(nil)

    /// Leaves `stream` to be started (replacing none: a request prepares at most one).
    func offer(_ stream: PreparedStream) {
        prepared.withLock { $0 = stream }
    }

    /// The stream the route prepared, once.
    func take() -> PreparedStream? {
        prepared.withLock { slot in
            defer { slot = nil }
            return slot
        }
    }
}
