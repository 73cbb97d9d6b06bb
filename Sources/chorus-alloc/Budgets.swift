import ChorusCore

/// The committed allocation budgets (`bench/alloc-budgets.json`): per build configuration, the most
/// allocations each operation may make, and the tolerance above that before the check fails.
///
/// ```json
/// {"release": {"tolerance": {"absolute": 1, "relative": 0.005, "perSubscriber": 0.005},
///              "budgets": {"publish": 70, "fanout-1000": 14, "fanout-per-subscriber": 0}},
///  "debug": {…}}
/// ```
///
/// The configurations differ: without optimization, generic code in SwiftNIO and the standard
/// library allocates where the optimized build does not (and how often depends on timing).
struct Budgets {
    /// Operation key → allocations per operation.
    var limits: [(key: String, budget: Double)]
    /// The fraction of a budget allowed above it.
    var relative: Double
    /// Allocations allowed above a budget whatever its size (covers a stray amortized regrowth).
    var absolute: Double
    /// Allowed above the budget of the fan-out's growth per subscriber.
    var perSubscriber: Double

    init(json text: String, configuration: String) throws {
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { throw ProbeError("the budgets file is not JSON: \(error)") }
        guard let section = json[configuration], case .object(let members)? = section["budgets"] else {
            throw ProbeError("the budgets file has no \"\(configuration)\".\"budgets\" object")
        }
        limits = try members.map { member in
            guard case .number(let text) = member.value, let value = Double(text) else {
                throw ProbeError("budget \"\(member.key)\" is not a number")
            }
            return (member.key, value)
        }
        let tolerance = section["tolerance"]
        relative = Self.number(tolerance?["relative"]) ?? 0
        absolute = Self.number(tolerance?["absolute"]) ?? 1
        perSubscriber = Self.number(tolerance?["perSubscriber"]) ?? 0.005
    }

    private static func number(_ value: JSONValue?) -> Double? {
        guard case .number(let text)? = value else { return nil }
        return Double(text)
    }

    /// The most allocations allowed for the budget of `key` before the check fails.
    func limit(for key: String, budget: Double) -> Double {
        // Growth per subscriber gets no relative allowance: that would hide allocations that scale
        // with the audience.
        key == "fanout-per-subscriber" ? budget + perSubscriber : budget + max(absolute, budget * relative)
    }
}
