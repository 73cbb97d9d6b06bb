import ChorusCore
import Mustache

/// Renders a change: finds the affected blocks, asks the context provider once for fresh data,
/// renders each block once, and returns one SSE event per block, named after its target id,
/// whose data is `<… id="target" hx-swap-oob="true">…</…>`.
///
/// A failing context provider skips the change; a block whose output has no element with its
/// target id is skipped. Either way the failure is reported and the rest goes on. In debug mode
/// a broken block is sent as an error fragment that names it instead.
public struct ReactiveRenderer: Sendable {
    /// The blocks and their dependency index.
    public let blocks: ReactiveBlocks
    /// Where the data comes from.
    public let provider: ContextProvider
    /// Whether broken blocks are replaced by an error fragment that names them.
    public var debug: Bool

    /// Creates a renderer.
    public init(blocks: ReactiveBlocks, provider: ContextProvider, debug: Bool = false) {
        self.blocks = blocks
        self.provider = provider
        self.debug = debug
    }

    /// Whether `change` is rendered once for everyone or once per user, as the provider says.
    /// A change with invalid paths is "shared": it renders nothing either way.
    public func sharing(for change: ReactiveChange) -> ChangeRenderer.Sharing {
        switch provider.sharing {
        case .shared:
            return .shared
        case .perUser:
            return .perUser
        case .perUserUnder(let personal):
            guard let changed = try? ContextPath.parseAll(change.paths) else { return .shared }
            let touched = blocks.index.expand(changed)
            return touched.contains { path in personal.contains { $0.overlaps(path) } } ? .perUser : .shared
        }
    }

    /// Renders `change`; `userID` is passed to the provider when ``sharing(for:)`` is per user
    /// (it is `nil` otherwise).
    public func render(_ change: ReactiveChange, userID: String? = nil) async -> RenderedChange {
        let changed: [ContextPath]
        do {
            changed = try ContextPath.parseAll(change.paths)
        } catch {
            return RenderedChange(failures: [RenderFailure(block: nil, message: error.description)])
        }
        let affected = blocks.affectedBlocks(by: changed)
        guard !affected.isEmpty else { return RenderedChange() }
        let request = ContextRequest(
            scope: change.scope,
            changedPaths: blocks.index.expand(changed),
            blocks: affected,
            userID: sharing(for: change) == .perUser ? userID : nil
        )
        let context: any Sendable
        do {
            context = try await provider.fetch(request)
        } catch {
            let message = "the context provider failed: \(error)"
            var result = RenderedChange(failures: [RenderFailure(block: nil, message: message)])
            if debug { result.events = affected.map { errorEvent($0, message: message) } }
            return result
        }
        var result = RenderedChange()
        for block in affected {
            switch renderBlock(block, context: context) {
            case .success(let fragment):
                result.events.append(ServerSentEvent(event: block.targetID, data: fragment))
            case .failure(let failure):
                result.failures.append(failure)
                if debug { result.events.append(errorEvent(block, message: failure.message)) }
            }
        }
        return result
    }

    /// The fragment of one block rendered from `context`, or why it cannot be sent.
    public func renderBlock(_ block: BlockRef, context: Any) -> Result<String, RenderFailure> {
        guard let plan = blocks.plan(for: block) else {
            return .failure(RenderFailure(block: block, message: "the block is not registered"))
        }
        let fragment = plan.fragment.render(context, library: blocks.templates.library)
        let targets = HTMLScanner.elements(withAttribute: "hx-swap-oob", in: fragment)
        guard targets.contains(where: { $0.attribute("id") == block.targetID }) else {
            return .failure(RenderFailure(
                block: block,
                message: "the rendered fragment has no element with id '\(block.targetID)' (a section around it may be empty)"
            ))
        }
        return .success(fragment)
    }

    /// The debug event that stands in for a broken block: an element with its target id that
    /// names the block and says what went wrong.
    public func errorEvent(_ block: BlockRef, message: String) -> ServerSentEvent {
        let html = "<div id=\"\(HTMLBuilder.escape(block.targetID))\" hx-swap-oob=\"true\" class=\"chorus-block-error\" "
            + "data-chorus-block=\"\(HTMLBuilder.escape(block.description))\">"
            + "block \(HTMLBuilder.escape(block.description)) failed: \(HTMLBuilder.escape(message))</div>"
        return ServerSentEvent(event: block.targetID, data: html)
    }
}
