/// The defaults every bus shares, written once: the in-memory bus, the Redis bus and the node's
/// settings read them from here.
public enum BusDefaults {
    /// How many events the history keeps for `Last-Event-ID` replay.
    public static let historyCapacity = 10_000
    /// How long a publish's `Idempotency-Key` is remembered.
    public static let idempotencyWindow: Duration = .seconds(300)
}
