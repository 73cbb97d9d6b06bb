/// Values filed under context paths, found by overlap: the values at a path's ancestors, at the
/// path itself, and under it.
struct PathTrie<Value: Hashable & Sendable>: Sendable {
    private struct Node: Sendable {
        var values: Set<Value> = []
        var children: [String: Node] = [:]

        var isEmpty: Bool { values.isEmpty && children.isEmpty }

        func collectAll(into result: inout Set<Value>) {
            result.formUnion(values)
            for child in children.values { child.collectAll(into: &result) }
        }

        mutating func insert(_ value: Value, at segments: ArraySlice<String>) {
            guard let first = segments.first else {
                values.insert(value)
                return
            }
            children[first, default: Node()].insert(value, at: segments.dropFirst())
        }

        mutating func remove(_ value: Value, at segments: ArraySlice<String>) {
            guard let first = segments.first else {
                values.remove(value)
                return
            }
            children[first]?.remove(value, at: segments.dropFirst())
            if children[first]?.isEmpty == true { children[first] = nil }
        }
    }

    private var root = Node()

    /// Files `value` under `path`.
    mutating func insert(_ value: Value, at path: ContextPath) {
        root.insert(value, at: path.segments[...])
    }

    /// Removes `value` from under `path` (nothing happens if it is not there).
    mutating func remove(_ value: Value, at path: ContextPath) {
        root.remove(value, at: path.segments[...])
    }

    /// Every value filed at `path` or under it.
    func within(_ path: ContextPath, into result: inout Set<Value>) {
        var node = root
        for segment in path.segments {
            guard let child = node.children[segment] else { return }
            node = child
        }
        node.collectAll(into: &result)
    }

    /// Every value filed under a path that overlaps `path`: its ancestors, itself, its descendants.
    func overlapping(_ path: ContextPath, into result: inout Set<Value>) {
        var node = root
        for segment in path.segments {
            guard let child = node.children[segment] else { return }
            node = child
            result.formUnion(node.values)
        }
        node.collectAll(into: &result)
    }
}
