/// Hears what a bus's connections go through, for metrics: a node passes one to its bus (the Redis
/// bus takes it in its configuration) and counts what it is told.
///
/// Called on the bus's own threads, rarely (at most once per reconnection or probe), so it may do
/// a little work; it must not block.
public protocol BusObserver: Sendable {
    /// A connection to the bus's server failed and is up again.
    func busReconnected()
    /// A probe the bus sent itself did not come back in time (the subscription is dead), or could
    /// not be sent.
    func busProbeFailed()
    /// A probe came back over the subscription after `roundTrip`.
    func busProbeReturned(after roundTrip: Duration)
}
