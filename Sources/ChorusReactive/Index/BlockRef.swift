/// Names one renderable block: which template, which named block in it, and the DOM id of the
/// element its fragment replaces.
///
/// The target id is also the SSE event name the fragment is sent under (htmx's `sse-swap`
/// listens by that name). It defaults to the block name.
public struct BlockRef: Sendable, Hashable, CustomStringConvertible {
    /// The template's name (as registered with the renderer).
    public var template: String
    /// The block's name inside the template (`{{$name}}…{{/name}}` in mustache).
    public var block: String
    /// The DOM id of the element the rendered fragment replaces; also the SSE event name.
    public var targetID: String

    /// Creates a reference; `targetID` defaults to the block name.
    public init(template: String, block: String, targetID: String? = nil) {
        self.template = template
        self.block = block
        self.targetID = targetID ?? block
    }

    /// `template/block#target`, for messages.
    public var description: String { "\(template)/\(block)#\(targetID)" }

    /// Why this reference cannot be used, or `nil` when it can: names must be non-empty, and the
    /// target id must be usable as an HTML id and an SSE event name (no whitespace, no line break).
    public var problem: String? {
        if template.isEmpty { return "the template name is empty" }
        if block.isEmpty { return "the block name is empty" }
        if targetID.isEmpty { return "the target id is empty" }
        if targetID.contains(where: { $0.isWhitespace || $0.isNewline }) {
            return "the target id '\(targetID)' contains whitespace; an HTML id and an SSE event name cannot"
        }
        return nil
    }
}
