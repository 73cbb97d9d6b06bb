/// The context paths a block's template source reads.
public struct BlockDependencies: Sendable, Hashable {
    /// Paths read as values (`{{title}}`): a change to them, above them or inside them matters.
    public var paths: Set<String>
    /// Paths read by sections (`{{#doc}}`): only a change to them or above them matters.
    public var shallow: Set<String>

    /// Creates a set of dependencies.
    public init(paths: Set<String> = [], shallow: Set<String> = []) {
        self.paths = paths
        self.shallow = shallow
    }

    /// Adds `other`'s paths.
    public mutating func formUnion(_ other: BlockDependencies) {
        paths.formUnion(other.paths)
        shallow.formUnion(other.shallow)
    }
}
