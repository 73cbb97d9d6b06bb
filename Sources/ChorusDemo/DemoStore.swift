/// Where the demo's data lives. Every node of a cluster must share it (``RedisDemoStore``); a
/// single node can keep it in memory (``MemoryDemoStore``).
public protocol DemoStore: Sendable {
    /// The document now.
    func document() async throws -> DemoDocument
    /// Sets the given fields (`nil` leaves one alone) and bumps the version if anything changed,
    /// atomically with respect to every other node's edits.
    func edit(title: String?, body: String?) async throws -> DemoEdit
    /// The notes sent to `user`, oldest first (at most ``DemoLimits/notesKept``).
    func notes(for user: String) async throws -> [DemoNote]
    /// Adds a note for `user`, dropping the oldest beyond ``DemoLimits/notesKept``.
    func add(_ note: DemoNote, for user: String) async throws
}

/// The sizes the demo accepts and keeps.
public enum DemoLimits {
    /// The longest title, in characters.
    public static let titleLength = 200
    /// The longest body, in characters.
    public static let bodyLength = 20_000
    /// The longest note, in characters.
    public static let noteLength = 500
    /// The longest user name, in characters.
    public static let userLength = 32
    /// Notes kept per user.
    public static let notesKept = 20
}
