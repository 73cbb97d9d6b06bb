import ChorusCore

/// A change to the app's data: which scope, which context paths.
public struct ReactiveChange: Sendable, Hashable {
    /// The event id, when the change came through the bus; renders are shared by id.
    public var id: String?
    /// The scope the change belongs to (a document id, a room).
    public var scope: String
    /// The changed context paths (`doc.title`).
    public var paths: [String]

    /// Creates a change.
    public init(id: String? = nil, scope: String, paths: [String]) {
        self.id = id
        self.scope = scope
        self.paths = paths
    }

    /// The change an envelope describes: its id, scope and `paths`.
    public init(_ envelope: Envelope) {
        self.init(id: envelope.id?.description, scope: envelope.scope, paths: envelope.paths)
    }
}

/// What the renderer asks the app's context provider for.
public struct ContextRequest: Sendable, Hashable {
    /// The change's scope.
    public var scope: String
    /// The changed paths plus those derived from them: fetch only what these need.
    public var changedPaths: [ContextPath]
    /// The blocks about to be rendered.
    public var blocks: [BlockRef]
    /// The user the context is for, when the provider is per user; `nil` otherwise.
    public var userID: String?
}

/// Supplies fresh data for rendering. A shared provider's context is the same for everyone, so
/// a change is rendered once; a per-user provider is asked once per user.
public struct ContextProvider: Sendable {
    /// Whether one context serves every subscriber.
    public enum Sharing: Sendable, Hashable {
        /// One context for every subscriber of the scope.
        case shared
        /// A context for each user (permissions, personal data).
        case perUser
        /// A context for each user when the change touches one of these paths (or what derives
        /// from them), one shared context otherwise: `me` for a page whose `me.*` blocks are
        /// personal and whose other blocks are the same for everyone.
        case perUserUnder([ContextPath])
    }

    /// Whether the context is shared or per user.
    public var sharing: Sharing
    /// Fetches the context: a `[String: Any]`-like dictionary or any value mustache can read.
    public var fetch: @Sendable (ContextRequest) async throws -> any Sendable

    /// A provider with the given sharing.
    public init(sharing: Sharing, fetch: @escaping @Sendable (ContextRequest) async throws -> any Sendable) {
        self.sharing = sharing
        self.fetch = fetch
    }

    /// A provider whose context is the same for every subscriber.
    public static func shared(_ fetch: @escaping @Sendable (ContextRequest) async throws -> any Sendable) -> ContextProvider {
        ContextProvider(sharing: .shared, fetch: fetch)
    }

    /// A provider asked once per user.
    public static func perUser(_ fetch: @escaping @Sendable (ContextRequest) async throws -> any Sendable) -> ContextProvider {
        ContextProvider(sharing: .perUser, fetch: fetch)
    }

    /// A provider asked once per user for changes under `personal` paths (`["me"]`), once for
    /// everyone otherwise. Throws on an invalid path.
    public static func perUser(
        under personal: [String],
        _ fetch: @escaping @Sendable (ContextRequest) async throws -> any Sendable
    ) throws(DependencyIndexError) -> ContextProvider {
        guard !personal.isEmpty else { throw .emptyPath }
        return ContextProvider(sharing: .perUserUnder(try ContextPath.parseAll(personal)), fetch: fetch)
    }
}
