import ChorusCore
import CoreMetrics
import Logging

/// What happens around a stream's life besides its bytes: its presence entries on the bus
/// (announced as `join`/`leave` to the cluster) and the app's connect/disconnect hooks.
///
/// The join is awaited before the stream starts and the leave after it ends, so the two are
/// never reordered. Presence writes go through the bus's own I/O (the Redis bus's command thread),
/// never blocking an event loop. A failed write is logged and the stream goes on: presence is
/// best effort while the bus is down, and the Redis bus re-registers its entries once it is back.
///
/// One per node, shared by every stream's ``StreamLease`` (a class, so a lease holds a reference).
final class ConnectionLifecycle: Sendable {
    let bus: any Bus
    let nodeID: String
    let hooks: ChorusHooks
    /// Whether anonymous subscribers are recorded in presence.
    let anonymousPresence: Bool
    let logger: Logger
    /// `chorus_presence_entries`: the entries this node's connections hold in the bus.
    let presenceEntries: Meter

    init(bus: any Bus, nodeID: String, hooks: ChorusHooks, anonymousPresence: Bool, logger: Logger, presenceEntries: Meter) {
        self.bus = bus
        self.nodeID = nodeID
        self.hooks = hooks
        self.anonymousPresence = anonymousPresence
        self.logger = logger
        self.presenceEntries = presenceEntries
    }

    /// Whether a connection of `info` is recorded in presence.
    func recordsPresence(of info: ConnectionInfo) -> Bool {
        anonymousPresence || info.userID != nil
    }

    func connected(_ connection: Connection) async {
        if recordsPresence(of: connection.info) {
            let entries = connection.presenceEntries(nodeID: nodeID)
            presenceEntries.increment(by: Double(entries.count))
            do {
                try await bus.addPresence(entries)
            } catch {
                logger.warning("could not record presence", metadata: ["chorus.conn": "\(connection.id)", "chorus.error": "\(error)"])
            }
        }
        await hooks.onConnect(connection.subscription)
    }

    func disconnected(_ connection: Connection) async {
        // A shared stream's tabs stop changing now, so what is removed here is what was added.
        let lastTabs = connection.shared?.close()
        if recordsPresence(of: connection.info) {
            let entries = lastTabs.map { SharedTabs.presenceEntries(of: $0, on: connection, nodeID: nodeID) } ?? connection.presenceEntries(nodeID: nodeID)
            presenceEntries.decrement(by: Double(entries.count))
            do {
                try await bus.removePresence(entries)
            } catch {
                logger.warning("could not remove presence", metadata: ["chorus.conn": "\(connection.id)", "chorus.error": "\(error)"])
            }
        }
        await hooks.onDisconnect(connection.subscription)
    }
}
