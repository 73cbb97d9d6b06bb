import Foundation

extension BenchResult {
    /// The result as one line of JSON (keys sorted, so lines diff well).
    public func jsonLine() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
