import ChorusCore

extension RedisBus {
    /// Runs one Redis command on the bus's command connection, pipelined with its publishes: for
    /// an app's own small reads and writes beside its events (a shared document, a counter) with
    /// no second Redis client. Throws ``BusError/Code/unavailable`` while Redis is unreachable; an
    /// error *reply* is returned as ``RedisReply/error(_:)``, not thrown.
    ///
    /// ```swift
    /// let version = try await bus.command(["HINCRBY", "app:doc", "version", "1"])
    /// ```
    public func command(_ arguments: [String]) async throws(BusError) -> RedisReply {
        precondition(!arguments.isEmpty, "a Redis command has at least its name")
        return try await pipeline.execute(.plain(arguments.map { Array($0.utf8) }))
    }

    /// The key prefix this bus's keys start with (`chorus` by default): an app's own keys beside
    /// them should start with it too, so one Redis serves several clusters.
    public var keyPrefix: String { configuration.keyPrefix }
}
