import ChorusCore
import Mustache

/// What the renderer needs for one registered block: the compiled template that renders its
/// whole out-of-band fragment.
struct BlockPlan: Sendable {
    var block: BlockRef
    var shape: FragmentShape
    /// Renders `<… id="target" hx-swap-oob="true">…</…>` from the app's context.
    var fragment: MustacheTemplate
}
