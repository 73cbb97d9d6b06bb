import ArgumentParser
import ChorusDemo
import ChorusServer
import Logging
import ServiceLifecycle
import UnixSignals

/// `chorus serve`: run one node. Flags only: every setting is read, checked and assembled into a
/// node by the libraries (``NodeSettings``), where a test can do the same.
struct ServeCommand: AsyncParsableCommand {
    typealias Keys = NodeSettings.Keys

    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a Chorus node (embedded in-memory bus unless a Redis URL is given).",
        discussion: """
            Every option can also be set with its CHORUS_* environment variable, or by its long name \
            in a JSON or YAML file given with --config (CHORUS_CONFIG). A flag wins over a variable, \
            a variable over the secrets directory, that over the file. A secret can be read from a \
            file: --token-secret-file, CHORUS_TOKEN_SECRET_FILE, token-secret-file in the file, or a \
            file named token-secret in --secrets-dir.
            """
    )

    @Flag(help: "Check every setting, print the effective configuration (secrets redacted) and exit.")
    var check = false

    @Option(help: ArgumentHelp(Keys.configurationFile.help)) var config: String?
    @Option(name: .customLong(Keys.secretsDirectory.flag), help: ArgumentHelp(Keys.secretsDirectory.help)) var secretsDirectory: String?
    @Option(help: ArgumentHelp(Keys.host.help)) var host: String?
    @Option(help: ArgumentHelp(Keys.port.help)) var port: String?
    @Option(name: .customLong(Keys.nodeID.flag), help: ArgumentHelp(Keys.nodeID.help)) var nodeID: String?
    @Option(help: ArgumentHelp(Keys.heartbeat.help)) var heartbeat: String?
    @Option(help: ArgumentHelp(Keys.retry.help)) var retry: String?
    @Option(help: ArgumentHelp(Keys.history.help)) var history: String?
    @Option(name: .customLong(Keys.queueSize.flag), help: ArgumentHelp(Keys.queueSize.help)) var queueSize: String?
    @Option(name: .customLong(Keys.maxBody.flag), help: ArgumentHelp(Keys.maxBody.help)) var maxBody: String?
    @Option(name: .customLong(Keys.maxConnections.flag), help: ArgumentHelp(Keys.maxConnections.help)) var maxConnections: String?
    @Option(name: .customLong(Keys.requestHeadTimeout.flag), help: ArgumentHelp(Keys.requestHeadTimeout.help)) var requestHeadTimeout: String?
    @Option(name: .customLong(Keys.maxIdleConnections.flag), help: ArgumentHelp(Keys.maxIdleConnections.help)) var maxIdleConnections: String?
    @Option(name: .customLong(Keys.corsOrigins.flag), help: ArgumentHelp(Keys.corsOrigins.help)) var corsOrigins: [String] = []
    @Option(name: .customLong(Keys.drainDelay.flag), help: ArgumentHelp(Keys.drainDelay.help)) var drainDelay: String?
    @Option(name: .customLong(Keys.drainWindow.flag), help: ArgumentHelp(Keys.drainWindow.help)) var drainWindow: String?
    @Option(name: .customLong(Keys.maxStreamAge.flag), help: ArgumentHelp(Keys.maxStreamAge.help)) var maxStreamAge: String?
    @Option(name: .customLong(Keys.maxPresenceBytes.flag), help: ArgumentHelp(Keys.maxPresenceBytes.help)) var maxPresenceBytes: String?
    @Option(name: .customLong(Keys.anonymousPresence.flag), help: ArgumentHelp(Keys.anonymousPresence.help)) var anonymousPresence: String?
    @Option(name: .customLong(Keys.streamSendBuffer.flag), help: ArgumentHelp(Keys.streamSendBuffer.help)) var streamSendBuffer: String?
    @Option(name: .customLong(Keys.redisURL.flag), help: ArgumentHelp(Keys.redisURL.help)) var redis: String?
    @Option(name: .customLong(Keys.redisURL.flag + "-file"), help: "A file holding the Redis URL.") var redisFile: String?
    @Option(name: .customLong(Keys.redisCA.flag), help: ArgumentHelp(Keys.redisCA.help)) var redisCA: String?
    @Option(name: .customLong(Keys.redisCert.flag), help: ArgumentHelp(Keys.redisCert.help)) var redisCert: String?
    @Option(name: .customLong(Keys.redisKey.flag), help: ArgumentHelp(Keys.redisKey.help)) var redisKey: String?
    @Option(name: .customLong(Keys.redisPrefix.flag), help: ArgumentHelp(Keys.redisPrefix.help)) var redisPrefix: String?
    @Option(name: .customLong(Keys.redisReplicasAck.flag), help: ArgumentHelp(Keys.redisReplicasAck.help)) var redisReplicasAck: String?
    @Option(name: .customLong(Keys.idempotencyWindow.flag), help: ArgumentHelp(Keys.idempotencyWindow.help)) var idempotencyWindow: String?
    @Option(name: .customLong(Keys.tokenSecret.flag), help: ArgumentHelp(Keys.tokenSecret.help)) var tokenSecret: String?
    @Option(name: .customLong(Keys.tokenSecret.flag + "-file"), help: "A file holding the token secret.") var tokenSecretFile: String?
    @Option(name: .customLong(Keys.publisherKeys.flag), help: ArgumentHelp(Keys.publisherKeys.help)) var publisherKeys: [String] = []
    @Option(name: .customLong(Keys.publisherKeys.name + "-file"), help: "A file holding the publisher keys, one per line.") var publisherKeysFile: String?
    @Option(help: ArgumentHelp(Keys.anonymous.help)) var anonymous: String?
    @Option(name: .customLong(Keys.anonymousScopes.flag), help: ArgumentHelp(Keys.anonymousScopes.help)) var anonymousScopes: [String] = []
    @Option(help: ArgumentHelp(Keys.metrics.help)) var metrics: String?
    @Option(name: .customLong(Keys.metricsAddress.flag), help: ArgumentHelp(Keys.metricsAddress.help)) var metricsAddress: String?
    @Flag(help: ArgumentHelp(Keys.demo.help)) var demo = false
    @Option(name: .customLong(Keys.demoAssets.flag), help: ArgumentHelp(Keys.demoAssets.help)) var demoAssets: String?
    @Option(name: .customLong(Keys.logLevel.flag), help: ArgumentHelp(Keys.logLevel.help)) var logLevel: String?
    @Option(name: .customLong(Keys.logFormat.flag), help: ArgumentHelp(Keys.logFormat.help)) var logFormat: String?

    /// The flags given, by setting name (a secret's file as `name-file`).
    private var flags: [String: [String]] {
        let given: [(SettingKey, String?)] = [
            (Keys.configurationFile, config), (Keys.secretsDirectory, secretsDirectory), (Keys.host, host), (Keys.port, port),
            (Keys.nodeID, nodeID), (Keys.heartbeat, heartbeat), (Keys.retry, retry), (Keys.history, history),
            (Keys.queueSize, queueSize), (Keys.maxBody, maxBody), (Keys.maxConnections, maxConnections),
            (Keys.requestHeadTimeout, requestHeadTimeout), (Keys.maxIdleConnections, maxIdleConnections),
            (Keys.drainDelay, drainDelay), (Keys.drainWindow, drainWindow), (Keys.maxStreamAge, maxStreamAge),
            (Keys.maxPresenceBytes, maxPresenceBytes), (Keys.anonymousPresence, anonymousPresence),
            (Keys.streamSendBuffer, streamSendBuffer), (Keys.metrics, metrics), (Keys.metricsAddress, metricsAddress), (Keys.redisURL, redis), (Keys.redisCA, redisCA), (Keys.redisCert, redisCert),
            (Keys.redisKey, redisKey), (Keys.redisPrefix, redisPrefix),
            (Keys.redisReplicasAck, redisReplicasAck), (Keys.idempotencyWindow, idempotencyWindow),
            (Keys.tokenSecret, tokenSecret), (Keys.anonymous, anonymous), (Keys.demo, demo ? "on" : nil),
            (Keys.demoAssets, demoAssets), (Keys.logLevel, logLevel), (Keys.logFormat, logFormat),
        ]
        var flags: [String: [String]] = [:]
        for case let (key, value?) in given { flags[key.name] = [value] }
        flags[Keys.corsOrigins.name] = corsOrigins
        flags[Keys.publisherKeys.name] = publisherKeys
        flags[Keys.anonymousScopes.name] = anonymousScopes
        flags[Keys.redisURL.name + "-file"] = redisFile.map { [$0] }
        flags[Keys.tokenSecret.name + "-file"] = tokenSecretFile.map { [$0] }
        flags[Keys.publisherKeys.name + "-file"] = publisherKeysFile.map { [$0] }
        return flags.filter { !$0.value.isEmpty }
    }

    func run() async throws {
        let descriptorLimit = FileDescriptorLimit.raiseToHardLimit()
        let settings: NodeSettings
        do {
            settings = try await NodeSettings.load(flags: flags, descriptorLimit: descriptorLimit)
        } catch {
            throw ValidationError(error.message)
        }
        if check {
            print(settings.report)
            return
        }
        ChorusLogging.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "chorus")
        for warning in settings.warnings { logger.warning("\(warning)") }
        if settings.node.maximumConnections > descriptorLimit - 64 {
            logger.warning("max-connections is close to the file descriptor limit; health checks may fail at the cap", metadata: [
                "chorus.max_connections": "\(settings.node.maximumConnections)", "chorus.descriptor_limit": "\(descriptorLimit)",
            ])
        }
        let metrics = settings.makeMetrics()
        // One node per process: Hummingbird's MetricsMiddleware (the global MetricsSystem) records
        // into the node's registry.
        if metrics.isEnabled { metrics.bootstrapMetricsSystem() }
        let bus = settings.makeBus(metrics: metrics, logger: logger)
        let app = settings.demo ? try await DemoApp.make(settings: settings, bus: bus, logger: logger) : nil
        let service = settings.makeService(bus: bus, app: app, metrics: metrics, logger: logger)
        let address = "http://\(settings.node.host):\(settings.node.port)"
        if app != nil { logger.info("the live-document demo is at \(address)/ (add ?user=NAME)") }
        logger.info("chorus node \(settings.node.nodeID) listening on \(address) with \(settings.busDescription)")
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
