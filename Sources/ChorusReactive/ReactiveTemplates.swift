import ChorusCore
import Mustache

/// The app's mustache templates, by name: compiled once, usable as each other's partials, and
/// read for the names each block depends on.
public struct ReactiveTemplates: Sendable {
    private var templates: [String: ReactiveTemplate] = [:]
    /// The swift-mustache library of every registered template (for partials and whole-page renders).
    public private(set) var library = MustacheLibrary()

    /// No templates.
    public init() {}

    /// Compiles and registers `source` under `name` (replacing a template of that name).
    public mutating func register(_ source: String, named name: String) throws(ReactiveTemplateError) {
        let template = try ReactiveTemplate(name: name, source: source)
        templates[name] = template
        library.register(template.compiled, named: name)
    }

    /// The template registered under `name`.
    public func template(named name: String) throws(ReactiveTemplateError) -> ReactiveTemplate {
        guard let template = templates[name] else { throw .unknownTemplate(name) }
        return template
    }

    /// Renders the whole template `name` (blocks render their content in place).
    public func render(_ context: Any, template name: String) throws(ReactiveTemplateError) -> String {
        try template(named: name).compiled.render(context, library: library)
    }

    /// The context paths the block `block` of `template` reads, found in its source: every
    /// variable, section and dynamic partial name, through partials too.
    ///
    /// Names are resolved the way mustache looks them up: inside `{{#doc}}`, `{{title}}` reads
    /// `doc.title`, or `title` if `doc` has none, so both are listed (more re-renders, never a
    /// stale block); `{{.title}}` reads only `doc.title`. Section names, the block's own and those
    /// around it, are shallow dependencies: the section reads whether the value is there.
    public func dependencies(ofBlock block: String, in template: String) throws(ReactiveTemplateError) -> BlockDependencies {
        let owner = try self.template(named: template)
        let region = try owner.region(ofBlock: block)
        return dependencies(of: region.inner, in: owner)
    }

    /// The context paths the source `range` of `template` reads, sections around it included.
    func dependencies(of range: Range<Int>, in template: ReactiveTemplate) -> BlockDependencies {
        var found = BlockDependencies()
        let enclosingOpens = Set(template.enclosingRegions(of: range).map { template.outline.regions[$0].open.lowerBound })
        var visited: Set<String> = [template.name]
        collect(
            in: template,
            where: { read in
                (range.lowerBound <= read.range.lowerBound && read.range.upperBound <= range.upperBound)
                    || enclosingOpens.contains(read.range.lowerBound)
            },
            base: [[""]],
            visited: &visited,
            into: &found
        )
        return found
    }

    private func collect(
        in template: ReactiveTemplate,
        where include: (MustacheOutline.Read) -> Bool,
        base: [[String]],
        visited: inout Set<String>,
        into found: inout BlockDependencies
    ) {
        for read in template.outline.reads where include(read) {
            var levels = base
            for index in read.enclosing {
                let region = template.outline.regions[index]
                guard region.kind == .section, region.open != read.range else { continue }
                let prefixes = Self.candidates(region.name, levels: levels)
                if !prefixes.isEmpty { levels.append(prefixes) }
            }
            switch read.kind {
            case .variable:
                found.paths.formUnion(Self.candidates(read.name, levels: levels))
            case .section:
                found.shallow.formUnion(Self.candidates(read.name, levels: levels))
            case .partial:
                guard let partial = templates[read.name], visited.insert(read.name).inserted else { continue }
                collect(in: partial, where: { _ in true }, base: levels, visited: &visited, into: &found)
                visited.remove(read.name)
            }
        }
    }

    /// The absolute paths `name` may resolve to, given the context stack's possible prefixes
    /// (outermost level first; `""` is the root).
    static func candidates(_ name: String, levels: [[String]]) -> [String] {
        func join(_ prefix: String, _ rest: String) -> String? {
            if rest.isEmpty { return prefix.isEmpty ? nil : prefix }
            return prefix.isEmpty ? rest : prefix + "." + rest
        }
        var result: [String] = []
        if name == "." {
            result = levels.last?.compactMap { join($0, "") } ?? []
        } else if name.hasPrefix(".") {
            let rest = String(name.dropFirst())
            result = levels.last?.compactMap { join($0, rest) } ?? []
        } else {
            for level in levels { result += level.compactMap { join($0, name) } }
        }
        return result.filter { (try? ContextPath($0)) != nil }
    }
}
