import ArgumentParser
import ChorusCore
import ChorusDemo
import ChorusRedis
import Logging

/// Builds the demo for `chorus serve --demo`: its store on the node's Redis when clustered (so
/// every node shows the same document), in memory otherwise.
enum DemoSetup {
    static func make(
        bus: any Bus,
        secret: String,
        assetsFolder: String?,
        nodeID: String,
        heartbeatInterval: Duration,
        logger: Logger
    ) async throws -> DemoApp {
        let store: any DemoStore
        if let redis = bus as? RedisBus {
            let redisStore = RedisDemoStore(bus: redis)
            do {
                try await redisStore.seed()
            } catch {
                logger.warning("could not seed the demo document in Redis yet (\(error)); it starts from the welcome text")
            }
            store = redisStore
        } else {
            store = MemoryDemoStore()
        }
        let assets: DemoAssets
        if let assetsFolder {
            do {
                assets = try DemoAssets.folder(assetsFolder)
            } catch {
                throw ValidationError("--demo-assets: \(error)")
            }
        } else {
            assets = .unpkg
            logger.notice("the demo page loads htmx from unpkg.com; for offline use run scripts/fetch-htmx.sh DIR and pass --demo-assets DIR")
        }
        return try DemoApp(
            store: store, bus: bus, tokenSecret: secret, assets: assets, nodeID: nodeID,
            heartbeatInterval: heartbeatInterval, logger: logger
        )
    }
}
