/// The measurements as a table, checked against the budgets when there are any.
struct BudgetReport {
    /// One line of the table: a measured operation, or the growth per subscriber derived from two.
    struct Row {
        var key: String
        var title: String
        var allocations: Double
        var worst: Double?
        var bytes: Double?
        var budget: Double?
        var limit: Double?
        var passed: Bool { limit.map { allocations <= $0 } ?? true }
    }

    let rows: [Row]
    /// Budgets with no measurement (a renamed operation must not silently stop being checked).
    let unmeasured: [String]

    init(measurements: [Measurement], budgets: Budgets?) {
        var rows = measurements.map { Row(key: $0.key, title: $0.title, allocations: $0.allocations, worst: $0.worst, bytes: $0.bytesPerOperation) }
        // The fan-out's growth per subscriber, between the two largest subscriber counts: the
        // figure that must stay at zero.
        let fanOuts = measurements
            .compactMap { m in m.key.hasPrefix("fanout-") ? Int(m.key.dropFirst("fanout-".count)).map { (count: $0, m: m) } : nil }
            .sorted { $0.count < $1.count }
        if fanOuts.count >= 2 {
            let small = fanOuts[fanOuts.count - 2], large = fanOuts[fanOuts.count - 1]
            let growth = (large.m.allocations - small.m.allocations) / Double(large.count - small.count)
            rows.append(Row(key: "fanout-per-subscriber", title: "fan-out growth per subscriber (\(small.count) → \(large.count))", allocations: growth))
        }
        if let budgets {
            for index in rows.indices {
                guard let budget = budgets.limits.first(where: { $0.key == rows[index].key })?.budget else { continue }
                rows[index].budget = budget
                rows[index].limit = budgets.limit(for: rows[index].key, budget: budget)
            }
            unmeasured = budgets.limits.map(\.key).filter { key in !rows.contains { $0.key == key } }
        } else {
            unmeasured = []
        }
        self.rows = rows
    }

    /// Whether every budgeted operation is within its limit and every budget was measured.
    var passed: Bool { rows.allSatisfy(\.passed) && unmeasured.isEmpty }

    /// The table, one operation per line.
    var table: String {
        var lines = [
            pad("operation", 52) + pad("allocs/op", 11, right: true) + pad("budget", 9, right: true) + pad("limit", 9, right: true)
                + pad("worst run", 11, right: true) + pad("bytes/op", 11, right: true) + "  result",
        ]
        for row in rows {
            let digits = row.key == "fanout-per-subscriber" ? 3 : 2
            let format: (Double) -> String = { self.format($0, digits: digits) }
            let result = row.budget == nil ? "(no budget)" : row.passed ? "ok" : "OVER BUDGET"
            lines.append(
                pad(row.title, 52) + pad(format(row.allocations), 11, right: true) + pad(row.budget.map(format) ?? "-", 9, right: true)
                    + pad(row.limit.map(format) ?? "-", 9, right: true) + pad(row.worst.map(format) ?? "-", 11, right: true)
                    + pad(row.bytes.map { self.format($0, digits: 0) } ?? "-", 11, right: true) + "  " + result
            )
        }
        for key in unmeasured { lines.append("budget \"\(key)\" was not measured: FAIL") }
        for row in rows where row.budget.map({ row.allocations < $0 * 0.9 - 1 }) ?? false {
            lines.append("note: \(row.key) now makes \(format(row.allocations)) allocations, well under its budget of \(format(row.budget ?? 0)): lower the budget so that it guards the gain")
        }
        lines.append(passed ? "allocation budgets: ok" : "allocation budgets: FAILED (an operation allocates more than its budget)")
        return lines.joined(separator: "\n")
    }

    /// The measured figures as the budgets file's `budgets` object.
    var json: String {
        "{" + rows.map { "\"\($0.key)\": \(format($0.allocations, digits: 3))" }.joined(separator: ", ") + "}"
    }

    private func format(_ value: Double) -> String {
        format(value, digits: 2)
    }

    private func format(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if digits == 0, text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
