import ChorusCore
import ChorusRedis
import ChorusServer
import Logging

extension DemoApp: ChorusApp {}

extension DemoApp {
    /// The demo as `chorus serve --demo` runs it: its store on the node's Redis when clustered (so
    /// every node shows the same document), in memory otherwise; htmx from `settings.demoAssets`
    /// or unpkg.com; users' tokens signed with the node's token secret.
    public static func make(settings: NodeSettings, bus: any Bus, logger: Logger) async throws -> DemoApp {
        guard let secret = settings.tokenSecret else {
            throw SettingsError("the demo needs token-secret (a node on its own makes one up)")
        }
        let store: any DemoStore
        if let redis = bus as? RedisBus {
            let redisStore = RedisDemoStore(bus: redis)
            do {
                try await redisStore.seed()
            } catch {
                logger.warning("could not seed the demo document in Redis yet; it starts from the welcome text", metadata: ["chorus.error": "\(error)"])
            }
            store = redisStore
        } else {
            store = MemoryDemoStore()
        }
        let assets: DemoAssets
        if let folder = settings.demoAssets {
            do {
                assets = try DemoAssets.folder(folder)
            } catch {
                throw SettingsError("demo-assets: \(error)")
            }
        } else {
            assets = .unpkg
            logger.notice("the demo page loads htmx from unpkg.com; for offline use run scripts/fetch-htmx.sh DIR and set demo-assets to DIR")
        }
        return try DemoApp(
            store: store, bus: bus, tokenSecret: secret, assets: assets, nodeID: settings.node.nodeID,
            heartbeatInterval: settings.node.heartbeatInterval, logger: logger
        )
    }
}
