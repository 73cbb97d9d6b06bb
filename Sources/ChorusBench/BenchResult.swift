/// Latency percentiles, in milliseconds.
public struct LatencySummary: Codable, Sendable {
    public var samples: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double
    /// `[percentile, milliseconds]` pairs for a percentile plot.
    public var distribution: [[Double]]
}

/// The result of one run: what the JSON line and the table show.
public struct BenchResult: Codable, Sendable {
    public var label: String
    public var subscribers: Int
    public var subscribersConnected: Int
    public var connectErrors: Int
    public var connectErrorReasons: [String: Int]
    public var droppedAfterConnect: Int
    public var dropReasons: [String: Int]
    public var scopes: Int
    public var payloadBytes: Int
    public var targetRate: Double?
    public var eventsRequested: Int
    public var eventsPublished: Int
    public var publishErrors: Int
    public var publishErrorReasons: [String: Int]
    public var publishSeconds: Double
    public var publishRate: Double
    public var publishLatencyMs: LatencySummary
    public var expectedDeliveries: Int
    public var deliveries: Int
    public var lostDeliveries: Int
    public var duplicateOrExtraDeliveries: Int
    public var subscribersWithLoss: Int
    public var deliverySeconds: Double
    public var deliveriesPerSecond: Double
    public var latencyMs: LatencySummary
    public var badStamps: Int
    public var connectSeconds: Double
    public var connectTimeMs: LatencySummary
    public var toolCPUSeconds: Double
    public var wallSeconds: Double

    /// Whether some subscriber got fewer deliveries than were published to its scope.
    public var hasLoss: Bool { lostDeliveries > 0 || subscribersWithLoss > 0 }

    /// A human-readable table.
    public func table() -> String {
        func f(_ value: Double, _ digits: Int = 2) -> String {
            let scale = pow10(digits)
            let rounded = (value * scale).rounded() / scale
            return "\(rounded)"
        }
        func lat(_ l: LatencySummary) -> String {
            "p50 \(f(l.p50, 3))  p90 \(f(l.p90, 3))  p99 \(f(l.p99, 3))  max \(f(l.max, 3)) ms  (n=\(l.samples))"
        }
        var rows: [(String, String)] = [
            ("run", label.isEmpty ? "-" : label),
            ("subscribers", "\(subscribersConnected)/\(subscribers) connected in \(f(connectSeconds))s over \(scopes) scope(s); \(connectErrors) connect errors, \(droppedAfterConnect) dropped later"),
            ("connect time", lat(connectTimeMs)),
            ("published", "\(eventsPublished)/\(eventsRequested) events of \(payloadBytes) B in \(f(publishSeconds))s = \(f(publishRate, 1))/s (target \(targetRate.map { f($0, 1) + "/s" } ?? "max")); \(publishErrors) errors"),
            ("publish RTT", lat(publishLatencyMs)),
            ("delivered", "\(deliveries)/\(expectedDeliveries) in \(f(deliverySeconds))s = \(f(deliveriesPerSecond, 0))/s"),
            ("latency", lat(latencyMs)),
            ("loss", "\(lostDeliveries) deliveries lost, \(subscribersWithLoss) subscribers short, \(duplicateOrExtraDeliveries) extra"),
            ("tool CPU", "\(f(toolCPUSeconds))s over \(f(wallSeconds))s wall"),
        ]
        for (reason, count) in connectErrorReasons.sorted(by: { $0.value > $1.value }).prefix(3) {
            rows.append(("connect error", "\(count)× \(reason)"))
        }
        for (reason, count) in dropReasons.sorted(by: { $0.value > $1.value }).prefix(3) {
            rows.append(("dropped", "\(count)× \(reason)"))
        }
        for (reason, count) in publishErrorReasons.sorted(by: { $0.value > $1.value }).prefix(3) {
            rows.append(("publish error", "\(count)× \(reason)"))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
    }
}

private func pow10(_ digits: Int) -> Double {
    var value = 1.0
    for _ in 0..<digits { value *= 10 }
    return value
}
