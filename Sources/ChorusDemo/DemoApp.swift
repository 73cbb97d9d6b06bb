import ChorusAuth
import ChorusCore
import ChorusReactive
import ChorusServer
import Hummingbird
import Logging

/// `chorus serve --demo`: a live shared document built on reactive blocks.
///
/// The page (``DemoPageTemplate``) is one mustache template; its `sse-swap` blocks are found and
/// registered automatically, and `doc.word_count` is declared as derived from `doc.body`. An edit
/// posts to `/demo/doc`; the app stores it and publishes a *change* (`paths` only, the tab's
/// session as origin) on the bus; every node re-renders the affected blocks once and pushes them
/// as out-of-band swaps to every other tab, while the editing tab gets the blocks that are not
/// its own inputs in the response. Private notes are changes with an audience; who is here
/// comes from the cluster's presence, re-rendered on every connect and disconnect.
///
/// The user is whoever the `user` query parameter says: this is a demo of the streaming, not of
/// sign-in. The stream itself is authenticated with a token the page mints for that name.
public struct DemoApp: Sendable {
    /// The scope of the demo document.
    public static let scope = "doc:demo"

    let store: any DemoStore
    let bus: any Bus
    let issuer: TokenIssuer
    let assets: DemoAssets
    let nodeID: String
    /// How long chorus.js waits for a byte before it takes the stream for dead: three of the
    /// node's heartbeat intervals (at least 5 s), so one late heartbeat is not an outage.
    let heartbeatTimeout: Duration
    let logger: Logger
    /// The page's blocks and their dependencies.
    public let blocks: ReactiveBlocks
    /// Renders changes to the page's blocks.
    public let renderer: ReactiveRenderer

    /// The blocks that are the editor's own inputs: the editing tab keeps what it typed.
    static let inputBlocks: Set<String> = ["title_input", "body_input"]

    /// Creates the demo. `tokenSecret` must be the one the node verifies tokens with, and
    /// `heartbeatInterval` the node's.
    public init(
        store: any DemoStore,
        bus: any Bus,
        tokenSecret: String,
        assets: DemoAssets,
        nodeID: String,
        heartbeatInterval: Duration = NodeConfiguration().heartbeatInterval,
        logger: Logger
    ) throws {
        var templates = ReactiveTemplates()
        try templates.register(DemoPageTemplate.source, named: DemoPageTemplate.name)
        var blocks = ReactiveBlocks(templates: templates)
        try blocks.registerSwapElements(in: DemoPageTemplate.name)
        try blocks.derive("doc.word_count", from: ["doc.body"])
        self.blocks = blocks
        self.store = store
        self.bus = bus
        self.issuer = try TokenIssuer(secret: tokenSecret)
        self.assets = assets
        self.nodeID = nodeID
        self.heartbeatTimeout = max(heartbeatInterval * 3, .seconds(5))
        self.logger = logger
        let provider = try ContextProvider.perUser(under: ["me"]) { [store, bus] request in
            try await Self.context(store: store, bus: bus, user: request.userID, presence: request.blocks.contains { $0.block == "who" })
        }
        self.renderer = ReactiveRenderer(blocks: blocks, provider: provider)
    }

    /// The node's change renderer: failures are logged, the stream goes on.
    public var changeRenderer: ChangeRenderer? {
        .reactive(renderer) { [logger] failure in logger.warning("demo render failed", metadata: ["chorus.error": "\(failure)"]) }
    }

    /// Hooks that re-render who is here whenever a demo stream connects or disconnects.
    public var hooks: ChorusHooks {
        let announce: @Sendable (Subscription) async -> Void = { [bus, logger] subscription in
            guard subscription.scopes.contains(Self.scope) else { return }
            do {
                _ = try await bus.publish([Envelope(scope: Self.scope, paths: ["presence"])])
            } catch {
                logger.warning("could not announce a presence change", metadata: ["chorus.error": "\(error)"])
            }
        }
        return ChorusHooks(onConnect: announce, onDisconnect: announce)
    }

    /// The data the page renders from; `me` only for a user, `presence` only when asked.
    static func context(store: any DemoStore, bus: any Bus, user: String?, presence: Bool) async throws -> [String: any Sendable] {
        let doc = try await store.document()
        var context: [String: any Sendable] = [
            "doc": ["title": doc.title, "body": doc.body, "version": doc.version, "word_count": doc.wordCount] as [String: any Sendable],
        ]
        if presence {
            let entries = try await bus.presence(in: scope)
            context["presence"] = Set(entries.compactMap(\.userID)).sorted()
        }
        if let user {
            let notes = try await store.notes(for: user).map { ["from": $0.from, "text": $0.text] as [String: any Sendable] }
            context["me"] = ["name": user, "notes": notes] as [String: any Sendable]
        }
        return context
    }

    /// Adds `GET /`, `POST /demo/doc`, `POST /demo/notes` and the asset files to `router`.
    public func addRoutes(to router: Router<ChorusRequestContext>) {
        let controller = DemoController(app: self)
        router.get("/", use: controller.page)
        router.post("demo/doc", use: controller.edit)
        router.post("demo/notes", use: controller.note)
        for (name, bytes) in assets.files {
            router.get("assets/\(name)") { _, _ in
                Response(
                    status: .ok,
                    headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes))
                )
            }
        }
    }
}
