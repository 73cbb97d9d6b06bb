import ArgumentParser
import ChorusCore
import ChorusDemo
import ChorusRedis
import ChorusServer
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `chorus serve`: run one node.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a Chorus node (embedded in-memory bus unless --redis is given)."
    )

    @Option(help: "Address to listen on. [CHORUS_HOST, default 127.0.0.1]")
    var host: String?

    @Option(help: "Port to listen on. [CHORUS_PORT, default 8080]")
    var port: String?

    @Option(help: "Heartbeat interval for idle streams, e.g. 15s. [CHORUS_HEARTBEAT, default 15s]")
    var heartbeat: String?

    @Option(help: "Events kept for Last-Event-ID replay. [CHORUS_HISTORY, default 10000]")
    var history: String?

    @Option(help: "Reconnection delay sent to browsers, e.g. 2s. [CHORUS_RETRY, default 2s]")
    var retry: String?

    @Option(name: .customLong("queue-size"), help: "Frames a client that stopped reading may fall behind (or have waiting while its replay is written) before it is disconnected. [CHORUS_QUEUE_SIZE, default 1024]")
    var queueSize: String?

    @Option(name: .customLong("max-body"), help: "Largest publish body in bytes. [CHORUS_MAX_BODY, default 1048576]")
    var maxBody: String?

    @Option(name: .customLong("max-connections"), help: "Most SSE connections on this node. [CHORUS_MAX_CONNECTIONS, default 10000]")
    var maxConnections: String?

    @Option(name: .customLong("node-id"), help: "This node's name in logs. [CHORUS_NODE_ID, default host:port]")
    var nodeID: String?

    @Option(help: "Join a cluster through Redis: redis://[:password@]host:port[/db] (rediss:// for TLS), or through Sentinel: redis+sentinel://[:password@]host:26379,host:26379/primary-name[/db][?sentinel_password=…] (rediss+sentinel:// for TLS to Sentinels and Redis). Without it the node uses its embedded in-memory bus. [CHORUS_REDIS_URL]")
    var redis: String?

    @Option(name: .customLong("idempotency-window"), help: "How long a publish's Idempotency-Key is remembered: a retry within it publishes nothing and gets the original ids. [CHORUS_IDEMPOTENCY_WINDOW, default 5m]")
    var idempotencyWindow: String?

    @Option(name: .customLong("redis-replicas-ack"), help: "Answer a publish 202 only once this many Redis replicas hold it (WAIT); otherwise 503 outcome-unknown. [CHORUS_REDIS_REPLICAS_ACK, default 0]")
    var redisReplicasAck: String?

    @Option(name: .customLong("redis-ca"), help: "PEM file of the certificate authorities that sign the Redis server's certificate (rediss://); without it, the system's trust store. [CHORUS_REDIS_CA]")
    var redisCA: String?

    @Option(name: .customLong("redis-cert"), help: "PEM file of this node's client certificate, for Redis with tls-auth-clients (mutual TLS); needs --redis-key. [CHORUS_REDIS_CERT]")
    var redisCert: String?

    @Option(name: .customLong("redis-key"), help: "PEM file of the private key of --redis-cert. [CHORUS_REDIS_KEY]")
    var redisKey: String?

    @Option(name: .customLong("redis-prefix"), help: "Prefix of the Redis keys and channel, so several deployments can share one Redis. [CHORUS_REDIS_PREFIX, default chorus]")
    var redisPrefix: String?

    @Option(name: .customLong("token-secret"), help: "Secret that subscriber tokens (JWT, HS256) are signed with; at least 32 bytes. Without it tokens are refused. [CHORUS_TOKEN_SECRET]")
    var tokenSecret: String?

    @Option(name: .customLong("publisher-key"), help: "A key that may publish and use the control endpoints (Authorization: Bearer); repeat for several (rotation). Without any, publishing is open to loopback clients only. [CHORUS_PUBLISHER_KEYS, comma-separated]")
    var publisherKeys: [String] = []

    @Option(help: "allow or deny subscribers without a token. [CHORUS_ANONYMOUS, default allow]")
    var anonymous: String?

    @Option(name: .customLong("anonymous-scopes"), help: "A scope pattern anonymous subscribers may use ('public:*', '**'); repeat for several. [CHORUS_ANONYMOUS_SCOPES, comma-separated, default **]")
    var anonymousScopes: [String] = []

    @Option(name: .customLong("request-head-timeout"), help: "A connection must send its request head within this long (of connecting, or of its last response on a kept-alive connection); open streams are not affected. [CHORUS_REQUEST_HEAD_TIMEOUT, default 10s]")
    var requestHeadTimeout: String?

    @Option(name: .customLong("max-idle-connections"), help: "Most connections waiting for a request head at once; beyond it the longest-waiting is closed. [CHORUS_MAX_IDLE_CONNECTIONS, default 1024]")
    var maxIdleConnections: String?

    @Option(name: .customLong("cors-origin"), help: "A browser origin (https://app.example.com) whose pages may publish and close users; repeat for several. Other sites are refused. [CHORUS_CORS_ORIGINS, comma-separated]")
    var corsOrigins: [String] = []

    @Option(name: .customLong("max-presence-bytes"), help: "Most bytes one stream's presence entries may take in the bus; larger streams get 400. [CHORUS_MAX_PRESENCE_BYTES, default 8192]")
    var maxPresenceBytes: String?

    @Option(name: .customLong("anonymous-presence"), help: "on or off: whether subscribers without a token are recorded in presence. [CHORUS_ANONYMOUS_PRESENCE, default on]")
    var anonymousPresence: String?

    @Option(name: .customLong("stream-send-buffer"), help: "Kernel send buffer per stream socket in bytes (SO_SNDBUF; 0 keeps the kernel's autotuning). [CHORUS_STREAM_SEND_BUFFER, default 65536]")
    var streamSendBuffer: String?

    @Flag(help: "Serve the live-document demo at / (reactive htmx blocks, presence, private notes). [CHORUS_DEMO=1]")
    var demo = false

    @Option(name: .customLong("demo-assets"), help: "Folder with htmx.min.js and sse.js for the demo page (scripts/fetch-htmx.sh fills one); without it the page loads them from unpkg.com. [CHORUS_DEMO_ASSETS]")
    var demoAssets: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. [CHORUS_LOG_LEVEL, default info]")
    var logLevel: String?

    func run() async throws {
        let settings = Settings()
        let level = try settings.value(logLevel, flagName: "--log-level", variable: "CHORUS_LOG_LEVEL", default: Logger.Level.info,
                                       expected: "one of trace, debug, info, notice, warning, error, critical") { Logger.Level(rawValue: $0) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = NodeConfiguration()
        configuration.host = try settings.string(host, flagName: "--host", variable: "CHORUS_HOST", default: "127.0.0.1")
        configuration.port = try settings.integer(port, flagName: "--port", variable: "CHORUS_PORT", default: 8080, range: 0...65535)
        configuration.heartbeatInterval = try settings.duration(heartbeat, flagName: "--heartbeat", variable: "CHORUS_HEARTBEAT", default: .seconds(15))
        configuration.retryInterval = try settings.duration(retry, flagName: "--retry", variable: "CHORUS_RETRY", default: .seconds(2))
        configuration.queueCapacity = try settings.integer(queueSize, flagName: "--queue-size", variable: "CHORUS_QUEUE_SIZE", default: 1024, range: 1...1_000_000)
        configuration.maximumPublishBytes = try settings.integer(maxBody, flagName: "--max-body", variable: "CHORUS_MAX_BODY", default: 1 << 20, range: 64...(64 << 20))
        let descriptorLimit = FileDescriptorLimit.raiseToHardLimit()
        configuration.maximumConnections = try settings.integer(
            maxConnections, flagName: "--max-connections", variable: "CHORUS_MAX_CONNECTIONS",
            default: max(64, min(10_000, descriptorLimit - 256)), range: 1...10_000_000
        )
        configuration.nodeID = try settings.string(nodeID, flagName: "--node-id", variable: "CHORUS_NODE_ID", default: "\(configuration.host):\(configuration.port)")
        configuration.requestHeadTimeout = try settings.duration(requestHeadTimeout, flagName: "--request-head-timeout", variable: "CHORUS_REQUEST_HEAD_TIMEOUT", default: .seconds(10))
        configuration.maximumIdleConnections = try settings.integer(maxIdleConnections, flagName: "--max-idle-connections", variable: "CHORUS_MAX_IDLE_CONNECTIONS", default: 1024, range: 1...1_000_000)
        configuration.allowedOrigins = corsOrigins.isEmpty ? settings.list(variable: "CHORUS_CORS_ORIGINS") : corsOrigins
        configuration.maximumPresenceBytes = try settings.integer(maxPresenceBytes, flagName: "--max-presence-bytes", variable: "CHORUS_MAX_PRESENCE_BYTES", default: 8192, range: 256...(16 << 20))
        configuration.anonymousPresence = try settings.value(anonymousPresence, flagName: "--anonymous-presence", variable: "CHORUS_ANONYMOUS_PRESENCE", default: true, expected: "on or off") {
            ["on": true, "off": false][$0.lowercased()]
        }
        let sendBuffer = try settings.integer(streamSendBuffer, flagName: "--stream-send-buffer", variable: "CHORUS_STREAM_SEND_BUFFER", default: 65536, range: 0...(64 << 20))
        configuration.streamSendBufferBytes = sendBuffer == 0 ? nil : sendBuffer
        let historyCapacity = try settings.integer(history, flagName: "--history", variable: "CHORUS_HISTORY", default: 10_000, range: 1...10_000_000)
        let idempotencyWindow = try settings.duration(idempotencyWindow, flagName: "--idempotency-window", variable: "CHORUS_IDEMPOTENCY_WINDOW", default: .seconds(300))
        let demo = demo || settings.optionalString(nil, variable: "CHORUS_DEMO").map { ["1", "true", "yes"].contains($0) } == true
        let redisText = settings.optionalString(redis, variable: "CHORUS_REDIS_URL")
        var secret = settings.optionalString(tokenSecret, variable: "CHORUS_TOKEN_SECRET")
        if demo && secret == nil {
            // The demo page mints a token per user; one node can make up its own secret, but every
            // node of a cluster must verify the tokens of the others.
            guard redisText == nil else {
                throw ValidationError("--demo with --redis needs --token-secret (CHORUS_TOKEN_SECRET), the same on every node")
            }
            secret = (0..<4).map { _ in String(UInt64.random(in: 0 ... .max), radix: 36) }.joined()
        }
        configuration.auth = try settings.auth(tokenSecret: secret, publisherKeys: publisherKeys, anonymous: anonymous, anonymousScopes: anonymousScopes)

        let logger = Logger(label: "chorus")
        if configuration.maximumConnections > descriptorLimit - 64 {
            logger.warning("--max-connections \(configuration.maximumConnections) is close to the file descriptor limit \(descriptorLimit); health checks may fail at the cap")
        }
        if configuration.auth.isDevelopmentMode {
            logger.warning("""
                ************************************************************************
                NO PUBLISHER KEY CONFIGURED: development mode. POST /publish and the
                control endpoints accept requests from loopback addresses only, without
                a key. Behind a proxy on this machine that means everyone. Set
                --publisher-key (CHORUS_PUBLISHER_KEYS) for anything but local use.
                ************************************************************************
                """)
        }
        let bus: any Bus
        let busDescription: String
        if let redisText {
            let url: RedisURL
            do {
                url = try RedisURL(redisText)
            } catch {
                throw ValidationError("invalid --redis / CHORUS_REDIS_URL: \(error.message)")
            }
            let prefix = try settings.string(redisPrefix, flagName: "--redis-prefix", variable: "CHORUS_REDIS_PREFIX", default: "chorus")
            var redisConfiguration = RedisConfiguration(url: url, keyPrefix: prefix, historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)
            redisConfiguration.nodeName = configuration.nodeID
            redisConfiguration.replicasAck = try settings.integer(redisReplicasAck, flagName: "--redis-replicas-ack", variable: "CHORUS_REDIS_REPLICAS_ACK", default: 0, range: 0...100)
            redisConfiguration.tls = RedisTLS(
                caFile: settings.optionalString(redisCA, variable: "CHORUS_REDIS_CA"),
                certificateFile: settings.optionalString(redisCert, variable: "CHORUS_REDIS_CERT"),
                keyFile: settings.optionalString(redisKey, variable: "CHORUS_REDIS_KEY")
            )
            if url.tls {
                do { try redisConfiguration.tls.validate() } catch { throw ValidationError(error.message) }
            }
            bus = RedisBus(configuration: redisConfiguration, logger: logger)
            busDescription = "Redis at \(url) (channel \(redisConfiguration.channel), history \(historyCapacity))"
        } else {
            bus = InMemoryBus(historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)
            busDescription = "the in-memory bus (history \(historyCapacity))"
        }
        let app: any Service
        if demo {
            let demoApp = try await DemoSetup.make(
                bus: bus, secret: secret!, assetsFolder: settings.optionalString(demoAssets, variable: "CHORUS_DEMO_ASSETS"),
                nodeID: configuration.nodeID, heartbeatInterval: configuration.heartbeatInterval, logger: logger
            )
            let node = ChorusNode(configuration: configuration, bus: bus, hooks: demoApp.hooks, renderer: demoApp.changeRenderer, logger: logger)
            let router = node.makeRouter(home: false)
            demoApp.addRoutes(to: router)
            app = node.makeApplication(router: router)
            logger.info("the live-document demo is at http://\(configuration.host):\(configuration.port)/ (add ?user=NAME)")
        } else {
            app = ChorusNode(configuration: configuration, bus: bus, logger: logger).makeApplication()
        }
        logger.info("chorus node \(configuration.nodeID) listening on http://\(configuration.host):\(configuration.port) with \(busDescription)")
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
