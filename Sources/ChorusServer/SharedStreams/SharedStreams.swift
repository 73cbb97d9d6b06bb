import Synchronization

/// The node's open shared streams (see ``SharedTabs``), by key: the Hub adds and removes them,
/// `POST /events/tabs` finds them, and the Hub makes shared-stream frames only while there are any.
final class SharedStreams: Sendable {
    private let byKey = Mutex<[String: Connection]>([:])
    private let open = Atomic<Int>(0)

    /// Whether any shared stream is open on this node.
    var isActive: Bool { open.load(ordering: .relaxed) > 0 }

    /// Records `connection` if it is a shared stream.
    func add(_ connection: Connection) {
        guard let key = connection.shared?.key else { return }
        byKey.withLock { $0[key] = connection }
        open.add(1, ordering: .relaxed)
    }

    /// Forgets `connection` (once, however often it is called).
    func remove(_ connection: Connection) {
        guard let key = connection.shared?.key else { return }
        guard byKey.withLock({ $0.removeValue(forKey: key) }) != nil else { return }
        open.subtract(1, ordering: .relaxed)
    }

    /// The open shared stream whose key is `key`.
    func connection(forKey key: String) -> Connection? {
        byKey.withLock { $0[key] }
    }
}
