import ChorusCore

/// Why a template, block or registration was refused. Offsets are UTF-8 byte offsets into the
/// template's source.
public enum ReactiveTemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// swift-mustache could not parse the template; its message is included.
    case invalidTemplate(template: String, message: String)
    /// A tag opened at `offset` has no closing delimiter.
    case unterminatedTag(offset: Int)
    /// A `{{=<% %>=}}` tag is malformed.
    case invalidDelimiters(offset: Int)
    /// A `{{/name}}` with no section open.
    case unbalancedClose(name: String, offset: Int)
    /// A `{{/closed}}` that does not close the innermost open section `opened`.
    case mismatchedClose(opened: String, closed: String, offset: Int)
    /// A section opened at `offset` is never closed.
    case unclosedSection(name: String, offset: Int)
    /// No template is registered under this name.
    case unknownTemplate(String)
    /// The template has no `{{$block}}…{{/block}}` with this name.
    case unknownBlock(template: String, block: String)
    /// The template defines two blocks with the same name, so `BlockRef` would be ambiguous.
    case duplicateBlock(template: String, block: String)
    /// An `sse-swap` element cannot be a swap target; the reason says why.
    case invalidSwapElement(template: String, element: String, reason: String)
    /// The dependency index refused the registration.
    case index(DependencyIndexError)

    public var description: String {
        switch self {
        case .invalidTemplate(let template, let message):
            "template '\(template)' is not valid mustache: \(message)"
        case .unterminatedTag(let offset):
            "a mustache tag at byte \(offset) is never closed"
        case .invalidDelimiters(let offset):
            "the set-delimiter tag at byte \(offset) must look like {{=<% %>=}}"
        case .unbalancedClose(let name, let offset):
            "{{/\(name)}} at byte \(offset) closes a section that was never opened"
        case .mismatchedClose(let opened, let closed, let offset):
            "{{/\(closed)}} at byte \(offset) does not match the open section '\(opened)'"
        case .unclosedSection(let name, let offset):
            "the section '\(name)' opened at byte \(offset) is never closed"
        case .unknownTemplate(let name):
            "no template is registered under the name '\(name)'"
        case .unknownBlock(let template, let block):
            "template '\(template)' has no block '\(block)' (declare it as {{$\(block)}}…{{/\(block)}})"
        case .duplicateBlock(let template, let block):
            "template '\(template)' declares the block '\(block)' twice; block names must be unique in a template"
        case .invalidSwapElement(let template, let element, let reason):
            "in template '\(template)', \(element) cannot be a swap target: \(reason)"
        case .index(let error):
            error.description
        }
    }
}
