/// Maps context paths to the blocks that depend on them, so a change re-renders only those.
///
/// - **Prefix semantics**: a change to `doc` affects blocks that read `doc.title`, and a change to
///   `doc.title` affects blocks that read `doc` (see ``ContextPath/overlaps(_:)``).
/// - **Shallow dependencies** (what a mustache section reads: whether `doc` is there, true or
///   empty) are affected by a change to the path itself or an ancestor, not by one inside it: a
///   block inside `{{#doc}}` is not re-rendered for `doc.title` unless it reads `doc.title`.
/// - **Derived paths**: after `derive("doc.word_count", from: ["doc.body"])`, a change to
///   `doc.body` also affects blocks that read `doc.word_count`; derivations chain transitively.
/// - Every mutation validates its input first and throws ``DependencyIndexError`` without
///   changing anything when the input is bad.
///
/// ```swift
/// var index = DependencyIndex()
/// try index.register(BlockRef(template: "doc", block: "title"), dependsOn: ["doc.title"])
/// try index.derive("doc.word_count", from: ["doc.body"])
/// let blocks = try index.affectedBlocks(by: ["doc"])   // [doc/title#title]
/// ```
public struct DependencyIndex: Sendable {
    private var order: [BlockRef: Int] = [:]
    private var nextOrder = 0
    private var dependencies: [BlockRef: Set<ContextPath>] = [:]
    private var targets: [String: BlockRef] = [:]
    private var trie = PathTrie<BlockRef>()
    private var shallowDependencies: [BlockRef: Set<ContextPath>] = [:]
    private var shallowTrie = PathTrie<BlockRef>()
    /// The derived paths known to the index.
    public private(set) var derivations = Derivations()

    /// An empty index.
    public init() {}

    /// Every registered block, in registration order.
    public var blocks: [BlockRef] {
        order.sorted { $0.value < $1.value }.map(\.key)
    }

    /// Registers `block` (if it is new) and adds `paths` to what it depends on, and `shallow` to
    /// what it depends on shallowly (the value itself, not what is inside it).
    ///
    /// Registering a block again only adds dependencies. Throws when a path is invalid, the block
    /// reference is unusable, or another block already renders into the same target id.
    public mutating func register(
        _ block: BlockRef,
        dependsOn paths: [String] = [],
        shallow: [String] = []
    ) throws(DependencyIndexError) {
        if let reason = block.problem { throw .invalidBlock(block, reason: reason) }
        if let existing = targets[block.targetID], existing != block {
            throw .duplicateTarget(block.targetID, existing: existing, new: block)
        }
        let parsed = try ContextPath.parseAll(paths)
        let parsedShallow = try ContextPath.parseAll(shallow)
        if order[block] == nil {
            order[block] = nextOrder
            nextOrder += 1
            targets[block.targetID] = block
            dependencies[block] = []
            shallowDependencies[block] = []
        }
        insert(parsed, for: block)
        for path in parsedShallow where shallowDependencies[block, default: []].insert(path).inserted {
            shallowTrie.insert(block, at: path)
        }
    }

    /// Adds `paths` to what an already registered `block` depends on.
    public mutating func addDependencies(_ paths: [String], to block: BlockRef) throws(DependencyIndexError) {
        guard order[block] != nil else { throw .unknownBlock(block) }
        insert(try ContextPath.parseAll(paths), for: block)
    }

    /// Forgets `block` and its dependencies.
    public mutating func remove(_ block: BlockRef) throws(DependencyIndexError) {
        guard order.removeValue(forKey: block) != nil else { throw .unknownBlock(block) }
        for path in dependencies.removeValue(forKey: block) ?? [] { trie.remove(block, at: path) }
        for path in shallowDependencies.removeValue(forKey: block) ?? [] { shallowTrie.remove(block, at: path) }
        targets[block.targetID] = nil
    }

    /// Records that `path` derives from `sources` (`doc.word_count` from `doc.body`).
    ///
    /// Throws on an invalid path, on an empty `sources`, or when the derivation would make a cycle.
    public mutating func derive(_ path: String, from sources: [String]) throws(DependencyIndexError) {
        let derived = try ContextPath(path)
        guard !sources.isEmpty else {
            throw .invalidPath(path, reason: "a derived path needs at least one path it derives from")
        }
        try derivations.add(derived, from: try ContextPath.parseAll(sources))
    }

    /// What `block` depends on, sorted.
    public func dependencies(of block: BlockRef) throws(DependencyIndexError) -> [ContextPath] {
        guard let paths = dependencies[block] else { throw .unknownBlock(block) }
        return paths.sorted()
    }

    /// What `block` depends on shallowly, sorted.
    public func shallowDependencies(of block: BlockRef) throws(DependencyIndexError) -> [ContextPath] {
        guard let paths = shallowDependencies[block] else { throw .unknownBlock(block) }
        return paths.sorted()
    }

    /// The block that renders into `targetID`, if any.
    public func block(forTarget targetID: String) -> BlockRef? {
        targets[targetID]
    }

    /// The changed paths plus every path derived from them, sorted.
    public func expand(_ changed: [ContextPath]) -> [ContextPath] {
        derivations.expand(changed)
    }

    /// The blocks affected by a change to `changed` (derived paths included), in registration order.
    public func affectedBlocks(by changed: [ContextPath]) -> [BlockRef] {
        var found: Set<BlockRef> = []
        for path in expand(changed) {
            trie.overlapping(path, into: &found)
            shallowTrie.within(path, into: &found)
        }
        return found.sorted { order[$0, default: .max] < order[$1, default: .max] }
    }

    /// The blocks affected by a change to `changed`, parsing the paths first.
    public func affectedBlocks(by changed: [String]) throws(DependencyIndexError) -> [BlockRef] {
        affectedBlocks(by: try ContextPath.parseAll(changed))
    }

    private mutating func insert(_ paths: [ContextPath], for block: BlockRef) {
        for path in paths where dependencies[block, default: []].insert(path).inserted {
            trie.insert(block, at: path)
        }
    }
}
