import ChorusCore

/// Something that went wrong while rendering a change; the rest of the change still went out.
public struct RenderFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The block that failed, or `nil` when the whole change failed (bad paths, context provider).
    public var block: BlockRef?
    /// What went wrong.
    public var message: String

    /// Creates a failure.
    public init(block: BlockRef?, message: String) {
        self.block = block
        self.message = message
    }

    public var description: String {
        if let block { "block \(block): \(message)" } else { "change skipped: \(message)" }
    }
}

/// The SSE events a change produced, one per affected block, and what failed.
public struct RenderedChange: Sendable, Hashable {
    /// One event per rendered block: named after its target id, data an `hx-swap-oob` fragment.
    public var events: [ServerSentEvent]
    /// Blocks (or the whole change) that could not be rendered.
    public var failures: [RenderFailure]

    /// Creates a result.
    public init(events: [ServerSentEvent] = [], failures: [RenderFailure] = []) {
        self.events = events
        self.failures = failures
    }
}
