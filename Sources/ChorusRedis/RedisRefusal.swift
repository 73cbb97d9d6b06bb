import ChorusCore

/// What an error reply from Redis means for the caller: most say that Redis refused the command
/// before running it for a passing reason (out of memory, loading, a replica, a script running),
/// so nothing was written and trying again later can work: ``BusError/Code/unavailable``. Any
/// other error is ``BusError/Code/backend``.
enum RedisRefusal {
    /// The error prefixes of refusals that pass by themselves.
    static let passing = ["OOM", "LOADING", "BUSY", "READONLY", "MASTERDOWN", "NOREPLICAS", "TRYAGAIN", "CLUSTERDOWN"]

    /// Whether the error reply `message` says Redis is out of memory (`maxmemory` reached with a
    /// policy that does not evict, or nothing left to evict).
    static func isOutOfMemory(_ message: String) -> Bool {
        message.hasPrefix("OOM")
    }

    /// The error for the error reply `message` to the command that was `doing` something
    /// ("the publish", "a presence write").
    static func error(_ message: String, doing what: String) -> BusError {
        if isOutOfMemory(message) {
            return BusError(.unavailable, "redis is out of memory (maxmemory reached) and refused \(what); nothing was written: \(message)")
        }
        if passing.contains(where: { message.hasPrefix($0 + " ") || message == $0 }) {
            return BusError(.unavailable, "redis refused \(what) for now; nothing was written: \(message)")
        }
        return BusError(.backend, "redis refused \(what): \(message)")
    }
}
