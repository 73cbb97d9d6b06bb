import ChorusCore
import Logging
import Synchronization

/// Presence for one ``RedisBus``: its entries in Redis, its liveness key, and the reaping of dead
/// nodes' entries (see ``PresenceScripts`` for the keys and the rules).
///
/// Every write goes through the bus's command thread (``RedisPipeline``), awaited through a
/// continuation, so nothing here blocks an event loop or the cooperative pool. The instance keeps
/// its own entries in memory too: when its liveness key had expired (Redis was unreachable for
/// longer than the TTL, and another node may have removed its entries) or a write failed, the next
/// refresh puts them all back.
final class RedisPresence: Sendable {
    private struct State {
        /// `scope \n connection` → entry.
        var entries: [String: PresenceEntry] = [:]
        /// A write failed: Redis may not hold exactly `entries`.
        var needsResync = false
    }

    private let configuration: RedisConfiguration
    private let pipeline: RedisPipeline
    private let logger: Logger
    /// This bus's instance id: random, so a restarted node never inherits old entries.
    let instance = String(UInt64.random(in: 0 ... .max), radix: 36)
    private let state = Mutex(State())

    /// Called when Redis refuses a presence write for lack of memory.
    private let outOfMemory: @Sendable () -> Void

    init(configuration: RedisConfiguration, pipeline: RedisPipeline, logger: Logger, outOfMemory: @escaping @Sendable () -> Void = {}) {
        self.outOfMemory = outOfMemory
        self.configuration = configuration
        self.pipeline = pipeline
        self.logger = logger
    }

    private var ttlMilliseconds: String {
        String(max(1, Int((configuration.livenessTTL / .milliseconds(1)).rounded())))
    }

    private static func field(_ entry: PresenceEntry) -> String { "\(entry.scope)\n\(entry.connectionID)" }

    func add(_ entries: [PresenceEntry]) async throws(BusError) {
        guard !entries.isEmpty else { return }
        state.withLock { state in
            for entry in entries { state.entries[Self.field(entry)] = entry }
        }
        do {
            try await write(addCommand(entries))
        } catch {
            state.withLock { $0.needsResync = true }
            throw error
        }
    }

    func remove(_ entries: [PresenceEntry]) async throws(BusError) {
        guard !entries.isEmpty else { return }
        state.withLock { state in
            for entry in entries { state.entries.removeValue(forKey: Self.field(entry)) }
        }
        var arguments = [configuration.channel, instance, configuration.keyPrefix].map(RedisConnection.bytes)
        for entry in entries {
            arguments.append(Array(entry.scope.utf8))
            arguments.append(Array(entry.connectionID.utf8))
        }
        do {
            try await write(.script(PresenceScripts.remove, keys: [Array(configuration.presenceNodeKey(instance).utf8)], arguments: arguments))
        } catch {
            state.withLock { $0.needsResync = true }
            throw error
        }
    }

    func list(_ scope: String) async throws(BusError) -> [PresenceEntry] {
        let reply = try await pipeline.execute(.script(PresenceScripts.list, keys: [Array(configuration.presenceScopeKey(scope).utf8)], arguments: [Array(configuration.keyPrefix.utf8)]))
        if let message = reply.errorMessage { throw BusError(.backend, "redis refused to list presence: \(message)") }
        guard let items = reply.array else { throw BusError(.backend, "unexpected reply from the presence list script: \(reply)") }
        var entries: [PresenceEntry] = []
        for item in items {
            guard let bytes = item.bytes, let entry = try? WireFormat.decodePresenceEntry(bytes) else {
                logger.warning("skipping a presence entry that is not chorus JSON", metadata: ["chorus.scope": "\(scope)"])
                continue
            }
            entries.append(entry)
        }
        return entries.sorted { ($0.connectedAt, $0.connectionID) < ($1.connectedAt, $1.connectionID) }
    }

    /// Refreshes liveness and reaps dead nodes every `livenessInterval` until cancelled; then
    /// deletes the liveness key, so listings drop this node's entries at once.
    func maintain() async {
        while !Task.isCancelled {
            await refresh()
            try? await Task.sleep(for: configuration.livenessInterval)
        }
        _ = try? await pipeline.execute(.plain(["DEL", configuration.livenessKey(instance)].map(RedisConnection.bytes)))
    }

    /// One refresh: liveness, reaping, and putting this node's entries back if needed.
    func refresh() async {
        let resync = state.withLock { state in
            defer { state.needsResync = false }
            return state.needsResync
        }
        let keys = [configuration.livenessKey(instance), configuration.presenceNodesKey].map(RedisConnection.bytes)
        let arguments = [configuration.channel, instance, configuration.nodeName, ttlMilliseconds, configuration.keyPrefix, resync ? "1" : "0"].map(RedisConnection.bytes)
        do {
            let reply = try await pipeline.execute(.script(PresenceScripts.refresh, keys: keys, arguments: arguments))
            if let message = reply.errorMessage { throw BusError(.backend, "redis refused the presence refresh: \(message)") }
            let expired = reply == .integer(1)
            guard expired || resync else { return }
            let entries = state.withLock { Array($0.entries.values) }
            if expired { logger.info("this node's liveness key had expired; registering its presence again", metadata: ["chorus.entries": "\(entries.count)"]) }
            // Chunks keep one script call short.
            for start in stride(from: 0, to: entries.count, by: 500) {
                try await write(addCommand(Array(entries[start..<min(start + 500, entries.count)])))
            }
        } catch {
            state.withLock { $0.needsResync = true }
            logger.debug("presence refresh failed; retrying", metadata: ["chorus.error": "\(error)"])
        }
    }

    private func addCommand(_ entries: [PresenceEntry]) -> RedisCommand {
        let keys = [configuration.livenessKey(instance), configuration.presenceNodesKey, configuration.presenceNodeKey(instance)].map(RedisConnection.bytes)
        var arguments = [configuration.channel, instance, configuration.nodeName, ttlMilliseconds, configuration.keyPrefix].map(RedisConnection.bytes)
        arguments.reserveCapacity(5 + 3 * entries.count)
        for entry in entries {
            arguments.append(Array(entry.scope.utf8))
            arguments.append(Array(entry.connectionID.utf8))
            arguments.append(WireFormat.encode(entry))
        }
        return .script(PresenceScripts.add, keys: keys, arguments: arguments)
    }

    private func write(_ command: RedisCommand) async throws(BusError) {
        let reply = try await pipeline.execute(command)
        if let message = reply.errorMessage {
            if RedisRefusal.isOutOfMemory(message) { outOfMemory() }
            throw RedisRefusal.error(message, doing: "a presence write")
        }
    }
}
