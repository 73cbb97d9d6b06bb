import ChorusCore
import Mustache

/// The reactive blocks of an app: its templates, the dependency index that maps context paths
/// to blocks, and how each block's out-of-band fragment is rendered.
///
/// ```swift
/// var templates = ReactiveTemplates()
/// try templates.register(pageSource, named: "doc")
/// var blocks = ReactiveBlocks(templates: templates)
/// try blocks.register(BlockRef(template: "doc", block: "title"))      // dependencies read from the block
/// try blocks.registerSwapElements(in: "doc", excluding: ["cursor"])    // every sse-swap element
/// try blocks.derive("doc.word_count", from: ["doc.body"])
/// ```
public struct ReactiveBlocks: Sendable {
    /// The templates blocks come from.
    public let templates: ReactiveTemplates
    /// Context paths to blocks.
    public private(set) var index = DependencyIndex()
    private var plans: [BlockRef: BlockPlan] = [:]

    /// Blocks of `templates`; none registered yet.
    public init(templates: ReactiveTemplates) {
        self.templates = templates
    }

    /// Registers `block`, whose fragment is made as `shape` says (by default the block wrapped in
    /// a `div` with the target id).
    ///
    /// Its dependencies are the paths its template source reads (unless `extractDependencies` is
    /// `false`) plus `dependsOn`. Throws, changing nothing, on an unknown template or block, an
    /// unusable target id or tag, a bad path, or a target id another block already uses.
    public mutating func register(
        _ block: BlockRef,
        shape: FragmentShape = .wrap(tag: "div"),
        dependsOn paths: [String] = [],
        extractDependencies: Bool = true
    ) throws(ReactiveTemplateError) {
        let template = try templates.template(named: block.template)
        let region = try template.region(ofBlock: block.block)
        if let reason = block.problem { throw .index(.invalidBlock(block, reason: reason)) }
        guard !block.targetID.contains(template.delimiters(at: 0).open), !block.targetID.contains("{{") else {
            throw .index(.invalidBlock(block, reason: "the target id must not contain mustache delimiters"))
        }
        let source: String
        let fragmentRange: Range<Int>
        switch shape {
        case .wrap(let tag):
            guard HTMLBuilder.isValidTagName(tag) else {
                throw .index(.invalidBlock(block, reason: "'\(tag)' is not an HTML tag name"))
            }
            fragmentRange = region.inner
            source = template.standaloneSource(
                region.inner,
                enclosing: template.enclosingRegions(of: region.inner),
                delimiters: region.delimiters,
                prefix: "<\(tag) id=\"\(HTMLBuilder.escape(block.targetID))\" hx-swap-oob=\"true\">",
                suffix: "</\(tag)>"
            )
        case .element(let start, let end):
            guard 0 <= start, start < end, end <= template.outline.source.count else {
                throw .invalidSwapElement(template: block.template, element: "bytes \(start)..<\(end)", reason: "the range is outside the template")
            }
            fragmentRange = start..<end
            let element = HTMLScanner.elements(withAttribute: "id", in: template.outline.text(start..<end)).first
            guard let element, element.startTag.lowerBound == 0 else {
                throw .invalidSwapElement(template: block.template, element: "bytes \(start)..<\(end)", reason: "it does not start with an element that has an id")
            }
            let hasOOB = element.attribute("hx-swap-oob") != nil
            let tagEnd = start + element.startTag.upperBound
            let insertAt = template.outline.source[tagEnd - 2] == UInt8(ascii: "/") ? tagEnd - 2 : tagEnd - 1
            source = template.standaloneSource(
                fragmentRange,
                enclosing: template.enclosingRegions(of: fragmentRange).filter { template.outline.regions[$0].kind != .block },
                delimiters: template.delimiters(at: start),
                insertion: hasOOB ? nil : (insertAt, #" hx-swap-oob="true""#)
            )
        }
        let fragment: MustacheTemplate
        do {
            fragment = try MustacheTemplate(string: source)
        } catch {
            throw .invalidTemplate(template: block.template, message: "block '\(block.block)' cannot be rendered on its own: \(error)")
        }
        var extracted = extractDependencies ? templates.dependencies(of: fragmentRange, in: template) : BlockDependencies()
        if case .element = shape, extractDependencies {
            extracted.formUnion(templates.dependencies(of: region.inner, in: template))
        }
        do {
            try index.register(block, dependsOn: extracted.paths.sorted() + paths, shallow: extracted.shallow.sorted())
        } catch {
            throw .index(error)
        }
        plans[block] = BlockPlan(block: block, shape: shape, fragment: fragment)
    }

    /// Finds every `sse-swap` element in `template`'s source that goes with a block and registers
    /// it, with the element as the fragment. Two shapes are recognised:
    ///
    /// - the block inside the element: `<div id="title" sse-swap="title">{{$title}}…{{/title}}</div>`;
    /// - the element inside the block: `{{$title}}<h1 id="title" sse-swap="title">…</h1>{{/title}}`.
    ///
    /// The element needs a literal `id`, which is the target id and so the event name, and its
    /// `sse-swap` list must include that id. `sse-swap` elements with no block are left alone.
    /// Blocks or target ids in `excluding` (client-managed blocks) are skipped; a name in it that
    /// is neither is refused, as a likely typo. Returns the registered blocks.
    @discardableResult
    public mutating func registerSwapElements(
        in templateName: String,
        excluding: Set<String> = []
    ) throws(ReactiveTemplateError) -> [BlockRef] {
        let template = try templates.template(named: templateName)
        let found = try SwapElementFinder.find(in: template)
        let known = Set(template.blockNames).union(found.map(\.block.targetID))
        if let unknown = excluding.sorted().first(where: { !known.contains($0) }) {
            throw .unknownBlock(template: templateName, block: unknown)
        }
        var next = self
        var registered: [BlockRef] = []
        for swap in found where !excluding.contains(swap.block.block) && !excluding.contains(swap.block.targetID) {
            try next.register(swap.block, shape: .element(start: swap.element.outer.lowerBound, end: swap.element.outer.upperBound))
            registered.append(swap.block)
        }
        self = next
        return registered
    }

    /// Adds `paths` to what `block` depends on.
    public mutating func addDependencies(_ paths: [String], to block: BlockRef) throws(ReactiveTemplateError) {
        do { try index.addDependencies(paths, to: block) } catch { throw .index(error) }
    }

    /// Records that `path` derives from `sources` (`doc.word_count` from `doc.body`).
    public mutating func derive(_ path: String, from sources: [String]) throws(ReactiveTemplateError) {
        do { try index.derive(path, from: sources) } catch { throw .index(error) }
    }

    /// The blocks a change to `paths` affects, in registration order.
    public func affectedBlocks(by paths: [ContextPath]) -> [BlockRef] {
        index.affectedBlocks(by: paths)
    }

    func plan(for block: BlockRef) -> BlockPlan? {
        plans[block]
    }
}
