/// Why the dependency index refused an input. Nothing is changed when this is thrown.
public enum DependencyIndexError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A path was the empty string.
    case emptyPath
    /// A path is malformed; the reason says how.
    case invalidPath(String, reason: String)
    /// The block was never registered (or was removed).
    case unknownBlock(BlockRef)
    /// The block reference itself is unusable; the reason says how.
    case invalidBlock(BlockRef, reason: String)
    /// Another block already renders into this target id: two fragments would fight over one element.
    case duplicateTarget(String, existing: BlockRef, new: BlockRef)
    /// A derivation would make a path depend on itself; the chain is given from the new path back to it.
    case derivationCycle([ContextPath])

    public var description: String {
        switch self {
        case .emptyPath:
            "a context path must not be empty (write it like 'doc.title')"
        case .invalidPath(let text, let reason):
            "invalid context path '\(text)': \(reason)"
        case .unknownBlock(let block):
            "unknown block \(block): register it with the dependency index first"
        case .invalidBlock(let block, let reason):
            "invalid block \(block): \(reason)"
        case .duplicateTarget(let id, let existing, let new):
            "target id '\(id)' of block \(new) is already used by block \(existing); give one of them another target id"
        case .derivationCycle(let chain):
            "derivation cycle: \(chain.map(\.description).joined(separator: " ← ")); a path cannot be derived from itself"
        }
    }
}
