/// The demo's data in this process: for a single node on the in-memory bus.
public actor MemoryDemoStore: DemoStore {
    private var current = DemoDocument.welcome
    private var notesByUser: [String: [DemoNote]] = [:]

    /// A store holding the welcome document and no notes.
    public init() {}

    public func document() -> DemoDocument { current }

    public func edit(title: String?, body: String?) -> DemoEdit {
        var changed: [String] = []
        if let title, title != current.title {
            current.title = title
            changed.append("doc.title")
        }
        if let body, body != current.body {
            current.body = body
            changed.append("doc.body")
        }
        if !changed.isEmpty {
            current.version += 1
            changed.append("doc.version")
        }
        return DemoEdit(document: current, changedPaths: changed)
    }

    public func notes(for user: String) -> [DemoNote] { notesByUser[user] ?? [] }

    public func add(_ note: DemoNote, for user: String) {
        notesByUser[user, default: []].append(note)
        notesByUser[user] = Array(notesByUser[user]!.suffix(DemoLimits.notesKept))
    }
}
