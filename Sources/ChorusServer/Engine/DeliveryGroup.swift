import ChorusCore

/// Which connections of a loop a delivery goes to, as far as telling two deliveries apart needs:
/// deliveries with equal groups go to the very same connections (those of one scope, before any
/// subscription changed). ``LoopBatch`` writes a run of such events to each connection at once.
struct DeliveryGroup: Equatable, Sendable {
    /// The scope whose connections get the delivery.
    let scope: ExactString
    /// The index's ``ScopeIndex/version`` when the delivery was made.
    let version: UInt64
}
