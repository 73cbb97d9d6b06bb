import CoreMetrics
import Synchronization

/// One counter per value of a label (`reason`, `status`), each made once: the known values up
/// front (so they show as 0 before anything happens), others on first use.
final class LabeledCounter: Sendable {
    private let name: String
    private let label: String
    private let factory: any MetricsFactory
    private let counters: Mutex<[String: Counter]>

    init(_ name: String, label: String, values: [String], factory: any MetricsFactory) {
        self.name = name
        self.label = label
        self.factory = factory
        var counters: [String: Counter] = [:]
        for value in values { counters[value] = Counter(label: name, dimensions: [(label, value)], factory: factory) }
        self.counters = Mutex(counters)
    }

    /// Adds one to the counter of `value`.
    func increment(_ value: String) {
        counter(value).increment()
    }

    private func counter(_ value: String) -> Counter {
        counters.withLock { counters in
            if let counter = counters[value] { return counter }
            let counter = Counter(label: name, dimensions: [(label, value)], factory: factory)
            counters[value] = counter
            return counter
        }
    }
}
