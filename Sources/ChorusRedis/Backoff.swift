/// Capped exponential backoff with jitter, for reconnecting: the delay doubles with each failure up
/// to `maximum`, and each delay is drawn from its upper half so that nodes which lost Redis
/// together do not all come back in the same millisecond.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var failures = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(maximum, initial)
    }

    /// The delay before the next attempt; each call counts one more failure.
    mutating func next() -> Duration {
        var ceiling = initial
        for _ in 0..<min(failures, 30) where ceiling < maximum { ceiling *= 2 }
        ceiling = min(ceiling, maximum)
        failures += 1
        return ceiling * Double.random(in: 0.5...1.0)
    }

    /// Starts over after a success.
    mutating func reset() {
        failures = 0
    }
}
