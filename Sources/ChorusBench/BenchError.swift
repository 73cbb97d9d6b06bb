/// A benchmark that cannot run, with a message for the person who started it.
public struct BenchError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words.
    public let description: String

    /// Creates an error with `description`.
    public init(_ description: String) { self.description = description }
}
