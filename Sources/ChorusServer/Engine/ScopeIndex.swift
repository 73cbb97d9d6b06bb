import ChorusCore

/// The Hub's index of connections by scope: for each scope, its connections per event loop slot
/// (a connection's ``Connection/loopSlot``), so that one event becomes one delivery per loop.
///
/// Scopes are keyed by their exact bytes: `é` and `e` + U+0301 are two scopes. A scope with no
/// connection left is dropped, so the index holds only the scopes someone is subscribed to.
struct ScopeIndex: Sendable {
    private var scopes: [ExactString: [[Int: Connection]]] = [:]
    /// Changes with every subscription added or removed: two snapshots of a scope's members taken
    /// at the same version hold the same connections (see ``DeliveryGroup``).
    private(set) var version: UInt64 = 0

    /// An empty index.
    init() {}

    /// Adds `connection` under each scope it subscribed to.
    mutating func add(_ connection: Connection) {
        let slot = connection.loopSlot
        version &+= 1
        for scope in connection.subscription.scopes {
            scopes[ExactString(scope), default: []].withSlot(slot) { $0[connection.id] = connection }
        }
    }

    /// Removes `connection` from each scope it subscribed to (nothing if it is not in the index).
    mutating func remove(_ connection: Connection) {
        version &+= 1
        for scope in connection.subscription.scopes {
            let key = ExactString(scope)
            guard var perLoop = scopes.removeValue(forKey: key) else { continue }
            if connection.loopSlot < perLoop.count { perLoop[connection.loopSlot].removeValue(forKey: connection.id) }
            if !perLoop.allSatisfy(\.isEmpty) { scopes[key] = perLoop }
        }
    }

    /// The connections of `scope` per event loop slot, or `nil` if it has none. A copy-on-write
    /// snapshot: it costs no copy unless the index changes while it is in use.
    func members(of scope: String) -> [[Int: Connection]]? {
        scopes[ExactString(scope)]
    }

    /// How many connections are subscribed to `scope`.
    func count(of scope: String) -> Int {
        scopes[ExactString(scope)]?.reduce(0) { $0 + $1.count } ?? 0
    }

    /// The connections subscribed to `scope`, in no particular order.
    func connections(in scope: String) -> [Connection] {
        scopes[ExactString(scope)]?.flatMap(\.values) ?? []
    }
}

extension [[Int: Connection]] {
    /// Mutates the dictionary of `slot`, growing the array to hold it first.
    fileprivate mutating func withSlot(_ slot: Int, _ body: (inout [Int: Connection]) -> Void) {
        if count <= slot { append(contentsOf: repeatElement([:], count: slot + 1 - count)) }
        body(&self[slot])
    }
}
