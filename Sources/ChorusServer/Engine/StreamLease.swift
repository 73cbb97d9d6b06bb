import NIOCore
import Synchronization

/// What one stream acquired — its Hub slot and its presence entries — released exactly once,
/// on whichever comes first: the end of the stream's body, or its channel closing.
///
/// Both are needed. The body's end covers a stream that ends while its connection stays open (a
/// close event on a kept-alive connection). The channel's close covers the client that leaves
/// before the response head is written: Hummingbird then never runs the body, and without this
/// the connection would stay registered (and present) forever.
final class StreamLease: Sendable {
    let connection: Connection
    let hub: Hub
    private let lifecycle: ConnectionLifecycle
    private let released = Atomic<Bool>(false)

    init(connection: Connection, hub: Hub, lifecycle: ConnectionLifecycle) {
        self.connection = connection
        self.hub = hub
        self.lifecycle = lifecycle
    }

    /// Releases everything, the first time it is called; later calls do nothing.
    func release() async {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        hub.remove(connection)
        await lifecycle.disconnected(connection)
    }

    /// Releases when `channel` closes (at once if it already has).
    func releaseWhenClosed(_ channel: any Channel) {
        channel.closeFuture.whenComplete { _ in
            Task { await self.release() }
        }
    }
}
