/// How a stream ended: why, and how many frames its client was sent.
struct StreamEnd: Sendable {
    var reason: CloseReason
    var frames: Int
}
