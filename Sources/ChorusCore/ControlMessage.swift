/// A cluster-wide instruction that is not an event: it has no id and no history.
public enum ControlMessage: Sendable, Hashable {
    /// End every stream of `userID` on every node (only those in `scope`, if given), with a close
    /// event that tells well-behaved clients not to reconnect.
    case closeUser(userID: String, scope: String?)
    /// A connection became present in a scope (on any node).
    case presenceJoin(PresenceEntry)
    /// A connection left a scope: it closed, or its node died and was noticed.
    case presenceLeave(PresenceEntry)
}

/// What a bus delivers to its receiver, in bus order.
public enum BusMessage: Sendable, Hashable {
    /// A published event, with its id set.
    case event(Envelope)
    /// A control message.
    case control(ControlMessage)
    /// Events were lost that the bus could not recover from its history (for example after a long
    /// outage): every connection should get a reset event so its page can reload state.
    case gap
}
