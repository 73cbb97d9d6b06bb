/// One frame for the admitted members of one event loop's share of a scope.
struct LoopDelivery: Sendable {
    let frame: Outbound
    /// A copy-on-write snapshot of the Hub's index, taken under its lock: no copy unless the index
    /// changes while this is in flight.
    let members: [Int: Connection]
    let recipients: Recipients
    /// Which connections `members` are, for an event of a scope (`nil` for other frames).
    var group: DeliveryGroup? = nil
}
