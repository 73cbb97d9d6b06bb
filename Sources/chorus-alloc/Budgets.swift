import ChorusCore

/// The committed allocation budgets (`bench/alloc-budgets.json`): per operation, the most
/// allocations it may make, and the tolerance above that before the check fails.
///
/// ```json
/// {"tolerance": {"relative": 0.02, "absolute": 1},
///  "budgets": {"publish": 180, "fanout-1000": 60, "fanout-per-subscriber": 0}}
/// ```
struct Budgets {
    /// Operation key → allocations per operation.
    var limits: [(key: String, budget: Double)]
    /// The fraction of a budget allowed above it.
    var relative: Double
    /// Allocations allowed above a budget whatever its size (covers a stray amortized regrowth).
    var absolute: Double

    init(json text: String) throws {
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { throw ProbeError("the budgets file is not JSON: \(error)") }
        guard case .object(let members)? = json["budgets"] else { throw ProbeError("the budgets file has no \"budgets\" object") }
        limits = try members.map { member in
            guard case .number(let text) = member.value, let value = Double(text) else {
                throw ProbeError("budget \"\(member.key)\" is not a number")
            }
            return (member.key, value)
        }
        relative = Self.number(json["tolerance"]?["relative"]) ?? 0.02
        absolute = Self.number(json["tolerance"]?["absolute"]) ?? 1
    }

    private static func number(_ value: JSONValue?) -> Double? {
        guard case .number(let text)? = value else { return nil }
        return Double(text)
    }

    /// The most allocations allowed for `budget` before the check fails.
    func limit(for budget: Double) -> Double {
        budget + max(absolute, budget * relative)
    }
}
