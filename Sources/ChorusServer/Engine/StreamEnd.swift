/// How a stream ended: why, and how many frames its client was sent.
struct StreamEnd: Sendable {
    var reason: CloseReason
    var frames: Int
}

/// What a stream's writer tells, once, when the stream has ended (on the stream's event loop).
///
/// A live stream is driven by its event loop alone: nothing waits for its end, the writer calls
/// this instead.
protocol StreamEndObserver: AnyObject, Sendable {
    /// The stream ended; called on its channel's event loop.
    func streamEnded(_ end: StreamEnd)
}
