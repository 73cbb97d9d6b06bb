/// Derived context paths: `doc.word_count` derives from `doc.body`, so a change to `doc.body`
/// (or to `doc`, or to `doc.body.text`) is also a change to `doc.word_count`, transitively.
public struct Derivations: Sendable, Hashable {
    /// For each derived path, the paths it derives from.
    public private(set) var sources: [ContextPath: Set<ContextPath>] = [:]

    /// No derived paths.
    public init() {}

    /// Records that `path` derives from `from` (added to what it already derives from).
    ///
    /// Throws ``DependencyIndexError/derivationCycle(_:)`` when `path` would derive from itself,
    /// directly or through other derived paths (compared as exact paths); nothing is recorded then.
    public mutating func add(_ path: ContextPath, from: [ContextPath]) throws(DependencyIndexError) {
        for source in from {
            if let chain = chain(from: source, to: path) {
                throw .derivationCycle([path] + chain)
            }
        }
        sources[path, default: []].formUnion(from)
    }

    /// `changed` plus every path derived from it, directly or transitively, sorted.
    public func expand(_ changed: [ContextPath]) -> [ContextPath] {
        var result = Set(changed)
        var grew = true
        while grew {
            grew = false
            for (derived, from) in sources where !result.contains(derived) {
                if from.contains(where: { source in result.contains { $0.overlaps(source) } }) {
                    result.insert(derived)
                    grew = true
                }
            }
        }
        return result.sorted()
    }

    /// The chain `start ← … ← goal` following exact "derives from" edges, or `nil` if `goal` is not reached.
    private func chain(from start: ContextPath, to goal: ContextPath) -> [ContextPath]? {
        var visited: Set<ContextPath> = []
        func walk(_ path: ContextPath) -> [ContextPath]? {
            if path == goal { return [path] }
            guard visited.insert(path).inserted else { return nil }
            for next in (sources[path] ?? []).sorted() {
                if let rest = walk(next) { return [path] + rest }
            }
            return nil
        }
        return walk(start)
    }
}
