/// How a block's out-of-band fragment is made.
public enum FragmentShape: Sendable, Hashable {
    /// The rendered block is wrapped in `<tag id="target" hx-swap-oob="true">…</tag>` (the default,
    /// with `div`).
    case wrap(tag: String)
    /// An `sse-swap` element in the template's source is the fragment: the element with the
    /// block inside it, or the element inside the block. Its source (start tag to end tag) is
    /// rendered with `hx-swap-oob="true"` added to its start tag. Offsets are UTF-8 byte offsets.
    case element(start: Int, end: Int)
}
