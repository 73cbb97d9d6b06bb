import ChorusCore

extension ChangeRenderer {
    /// A node's change renderer made of reactive blocks: each change is rendered by `renderer`
    /// (shared or per user, as its context provider says) and every failure is passed to
    /// `onFailure` (log it; the stream goes on without the broken block).
    ///
    /// ```swift
    /// let node = ChorusNode(configuration: configuration, bus: bus, renderer: .reactive(renderer) { failure in
    ///     logger.warning("\(failure)")
    /// })
    /// ```
    public static func reactive(
        _ renderer: ReactiveRenderer,
        onFailure: @escaping @Sendable (RenderFailure) -> Void = { _ in }
    ) -> ChangeRenderer {
        ChangeRenderer(
            sharing: { renderer.sharing(for: ReactiveChange($0)) },
            render: { change, userID in
                let rendered = await renderer.render(ReactiveChange(change), userID: userID)
                for failure in rendered.failures { onFailure(failure) }
                return rendered.events
            }
        )
    }
}
