/// The demo's shared document.
public struct DemoDocument: Sendable, Hashable {
    /// The title.
    public var title: String
    /// The body text.
    public var body: String
    /// Bumped by every edit that changed something.
    public var version: Int

    /// Creates a document.
    public init(title: String, body: String, version: Int) {
        self.title = title
        self.body = body
        self.version = version
    }

    /// What a fresh store starts with.
    public static let welcome = DemoDocument(
        title: "Welcome to Chorus",
        body: "Type here. Everyone on this page sees it as you type, on whichever node they are connected to.",
        version: 1
    )

    /// Words in the body: runs of non-whitespace (the derived `doc.word_count`).
    public var wordCount: Int {
        body.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).count
    }
}

/// A private note, seen only by the user it was sent to.
public struct DemoNote: Sendable, Hashable {
    /// Who sent it.
    public var from: String
    /// What it says.
    public var text: String

    /// Creates a note.
    public init(from: String, text: String) {
        self.from = from
        self.text = text
    }
}

/// An edit: the fields that changed and the document after it.
public struct DemoEdit: Sendable, Hashable {
    /// The document after the edit.
    public var document: DemoDocument
    /// The changed context paths (`doc.title`, `doc.body`, and `doc.version` when any changed);
    /// empty when the edit changed nothing.
    public var changedPaths: [String]
}
