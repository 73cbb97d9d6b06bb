import ChorusCore
import Mustache

/// One registered mustache template: compiled by swift-mustache, with its named blocks located.
public struct ReactiveTemplate: Sendable {
    /// The name it is registered under (also its partial name).
    public let name: String
    /// The source text.
    public let source: String
    /// The compiled template, for rendering the whole page.
    public let compiled: MustacheTemplate
    let outline: MustacheOutline
    private let blockRegions: [String: Int]

    /// Compiles `source`; throws when it is not valid mustache or declares a block name twice.
    public init(name: String, source: String) throws(ReactiveTemplateError) {
        do {
            compiled = try MustacheTemplate(string: source)
        } catch {
            throw .invalidTemplate(template: name, message: "\(error)")
        }
        self.name = name
        self.source = source
        outline = try MustacheOutline(source)
        var blocks: [String: Int] = [:]
        for index in outline.blocks {
            let block = outline.regions[index].name
            guard blocks[block] == nil else { throw .duplicateBlock(template: name, block: block) }
            blocks[block] = index
        }
        blockRegions = blocks
    }

    /// The named blocks (`{{$name}}…{{/name}}`), in source order.
    public var blockNames: [String] {
        outline.blocks.map { outline.regions[$0].name }
    }

    /// The region of block `block`.
    func region(ofBlock block: String) throws(ReactiveTemplateError) -> MustacheOutline.Region {
        guard let index = blockRegions[block] else { throw .unknownBlock(template: name, block: block) }
        return outline.regions[index]
    }

    /// The mustache source that renders `range` on its own, with the same context it has in the
    /// whole template: the enclosing sections are re-opened around it and the delimiters in force
    /// are restored. `insertion` (at a UTF-8 offset) is added verbatim, for `hx-swap-oob`.
    func standaloneSource(
        _ range: Range<Int>,
        enclosing: [Int],
        delimiters: MustacheOutline.Delimiters,
        prefix: String = "",
        suffix: String = "",
        insertion: (offset: Int, text: String)? = nil
    ) -> String {
        let sections = enclosing.map { outline.regions[$0] }.filter { $0.kind == .section || $0.kind == .inverted }
        var text = sections.map { "{{\($0.kind == .section ? "#" : "^")\($0.rawName)}}" }.joined()
        text += prefix
        let custom = delimiters != .standard
        if custom { text += "{{=\(delimiters.open) \(delimiters.close)=}}" }
        if let insertion, range.contains(insertion.offset) {
            text += outline.text(range.lowerBound..<insertion.offset) + insertion.text + outline.text(insertion.offset..<range.upperBound)
        } else {
            text += outline.text(range)
        }
        if custom { text += "\(delimiters.open)={{ }}=\(delimiters.close)" }
        text += suffix
        text += sections.reversed().map { "{{/\($0.rawName)}}" }.joined()
        return text
    }

    /// The delimiters in force at `offset`.
    func delimiters(at offset: Int) -> MustacheOutline.Delimiters {
        outline.delimiterChanges.last { $0.offset <= offset }?.delimiters ?? .standard
    }

    /// The regions (sections, blocks, parents) that enclose `range`, outermost first.
    func enclosingRegions(of range: Range<Int>) -> [Int] {
        outline.regions.indices.filter { index in
            let region = outline.regions[index]
            return region.inner.lowerBound <= range.lowerBound && range.upperBound <= region.inner.upperBound
        }.sorted { outline.regions[$0].open.lowerBound < outline.regions[$1].open.lowerBound }
    }
}
