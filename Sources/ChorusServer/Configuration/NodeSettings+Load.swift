import ChorusAuth
import ChorusCore
import ChorusRedis
import Foundation
import Logging

extension NodeSettings {
    /// Reads and checks every setting.
    ///
    /// - Parameters:
    ///   - flags: the values given on the command line, by setting name (``SettingKey/name``;
    ///     a secret's file as `name-file`); a repeated flag has several.
    ///   - environment: the process environment (`CHORUS_*` variables).
    ///   - descriptorLimit: the process's file descriptor limit, which caps the default for
    ///     `max-connections` and is warned about when `max-connections` comes close to it.
    /// - Throws: ``SettingsError`` naming the setting and where its bad value came from.
    public static func load(
        flags: [String: [String]] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        descriptorLimit: Int? = nil
    ) async throws(SettingsError) -> NodeSettings {
        let sources = try await SettingsSources.load(flags: flags, environment: environment, known: Keys.all)
        var resolve = SettingsResolver(sources: sources)
        _ = try resolve.optional(Keys.configurationFile)
        _ = try resolve.optional(Keys.secretsDirectory)
        let defaults = NodeConfiguration()
        var node = NodeConfiguration()
        node.host = try resolve.value(Keys.host, default: defaults.host, expected: "a non-empty string") { $0.isEmpty ? nil : $0 }
        node.port = try resolve.integer(Keys.port, default: defaults.port, range: 0...65535)
        node.nodeID = try resolve.value(Keys.nodeID, default: "\(node.host):\(node.port)", expected: "a non-empty string") { $0.isEmpty ? nil : $0 }
        node.heartbeatInterval = try resolve.duration(Keys.heartbeat, default: defaults.heartbeatInterval)
        node.retryInterval = try resolve.duration(Keys.retry, default: defaults.retryInterval)
        let historyCapacity = try resolve.integer(Keys.history, default: BusDefaults.historyCapacity, range: 1...10_000_000)
        node.queueCapacity = try resolve.integer(Keys.queueSize, default: defaults.queueCapacity, range: 1...1_000_000)
        node.maximumPublishBytes = try resolve.integer(Keys.maxBody, default: defaults.maximumPublishBytes, range: 64...(64 << 20))
        let connectionsDefault = descriptorLimit.map { max(64, min(defaults.maximumConnections, $0 - 256)) } ?? defaults.maximumConnections
        node.maximumConnections = try resolve.integer(Keys.maxConnections, default: connectionsDefault, range: 1...10_000_000)
        node.requestHeadTimeout = try resolve.duration(Keys.requestHeadTimeout, default: defaults.requestHeadTimeout)
        node.maximumIdleConnections = try resolve.integer(Keys.maxIdleConnections, default: defaults.maximumIdleConnections, range: 1...1_000_000)
        node.allowedOrigins = try resolve.list(Keys.corsOrigins).items
        node.maximumPresenceBytes = try resolve.integer(Keys.maxPresenceBytes, default: defaults.maximumPresenceBytes, range: 256...(16 << 20))
        node.anonymousPresence = try resolve.switchValue(Keys.anonymousPresence, default: defaults.anonymousPresence)
        let sendBuffer = try resolve.integer(Keys.streamSendBuffer, default: defaults.streamSendBufferBytes ?? 0, range: 0...(64 << 20))
        node.streamSendBufferBytes = sendBuffer == 0 ? nil : sendBuffer
        node.drainDelay = try resolve.durationOrZero(Keys.drainDelay, default: defaults.drainDelay)
        node.drainWindow = try resolve.durationOrZero(Keys.drainWindow, default: defaults.drainWindow)
        let maximumAge = try resolve.durationOrZero(Keys.maxStreamAge, default: defaults.maximumStreamAge ?? .zero)
        node.maximumStreamAge = maximumAge == .zero ? nil : maximumAge
        node.metricsEnabled = try resolve.switchValue(Keys.metrics, default: defaults.metricsEnabled)
        node.metricsAddress = try resolve.value(Keys.metricsAddress, default: nil, expected: "host:port", show: { $0?.description ?? "(the main port)" }) {
            ListenAddress($0).map { .some($0) }
        }
        let idempotencyWindow = try resolve.duration(Keys.idempotencyWindow, default: BusDefaults.idempotencyWindow)

        let redis = try redisConfiguration(&resolve, nodeID: node.nodeID, historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)
        let demo = try resolve.switchValue(Keys.demo, default: false)
        let demoAssets = try resolve.optional(Keys.demoAssets)
        var secret = try resolve.optional(Keys.tokenSecret)
        if demo && secret == nil {
            // The demo page mints a token per user; one node can make up its own secret, but every
            // node of a cluster must verify the tokens of the others.
            guard redis == nil else {
                throw SettingsError("the demo with redis-url needs token-secret, the same on every node")
            }
            secret = (0..<4).map { _ in String(UInt64.random(in: 0 ... .max), radix: 36) }.joined()
            resolve.note(Keys.tokenSecret, "<made up for the demo>", .defaultValue)
        }
        node.auth = try auth(&resolve, secret: secret)
        let logLevel = try resolve.value(Keys.logLevel, default: Logger.Level.info, expected: "one of trace, debug, info, notice, warning, error, critical") {
            Logger.Level(rawValue: $0.lowercased())
        }
        let logFormat = try resolve.value(Keys.logFormat, default: LogFormat.text, expected: "text or json", show: \.rawValue) {
            LogFormat(rawValue: $0.lowercased())
        }
        return NodeSettings(
            node: node, historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow, redis: redis,
            tokenSecret: secret, demo: demo, demoAssets: demoAssets, logLevel: logLevel, logFormat: logFormat,
            effective: resolve.effective
        )
    }

    private static func redisConfiguration(
        _ resolve: inout SettingsResolver,
        nodeID: String,
        historyCapacity: Int,
        idempotencyWindow: Duration
    ) throws(SettingsError) -> RedisConfiguration? {
        var parsed: RedisURL?
        var parseError: RedisURLError?
        let text = try resolve.optional(Keys.redisURL) { text in
            // The URL is shown with its password hidden (RedisURL's description).
            do throws(RedisURLError) {
                parsed = try RedisURL(text)
                return parsed!.description
            } catch {
                parseError = error
                return "(invalid)"
            }
        }
        let prefix = try resolve.value(Keys.redisPrefix, default: RedisConfiguration.defaultKeyPrefix, expected: "a non-empty string") { $0.isEmpty ? nil : $0 }
        let replicasAck = try resolve.integer(Keys.redisReplicasAck, default: 0, range: 0...100)
        let tls = RedisTLS(caFile: try resolve.optional(Keys.redisCA), certificateFile: try resolve.optional(Keys.redisCert), keyFile: try resolve.optional(Keys.redisKey))
        guard text != nil else { return nil }
        guard let url = parsed else {
            throw SettingsError("invalid redis-url: \(parseError?.message ?? "unreadable")")
        }
        var configuration = RedisConfiguration(url: url, keyPrefix: prefix, historyCapacity: historyCapacity, idempotencyWindow: idempotencyWindow)
        configuration.nodeName = nodeID
        configuration.replicasAck = replicasAck
        configuration.tls = tls
        if url.tls {
            // A typo in a path fails now, not at every reconnection.
            do throws(RedisURLError) { try tls.validate() } catch { throw SettingsError(error.message) }
        }
        return configuration
    }

    private static func auth(_ resolve: inout SettingsResolver, secret: String?) throws(SettingsError) -> AuthConfiguration {
        var auth = AuthConfiguration()
        if let secret {
            do {
                auth.tokenVerifier = try TokenVerifier(secret: secret)
            } catch {
                throw SettingsError("invalid token-secret: \(error.message)")
            }
        }
        let keys = try resolve.list(Keys.publisherKeys)
        for key in keys.items where key.utf8.count < 16 {
            throw SettingsError("a publisher key (publisher-keys, from \(keys.source)) must be at least 16 characters; '\(key.prefix(4))…' has \(key.utf8.count)")
        }
        auth.publisherKeys = keys.items
        auth.anonymous = try resolve.value(Keys.anonymous, default: auth.anonymous, expected: "allow or deny", show: \.rawValue) {
            AuthConfiguration.AnonymousPolicy(rawValue: $0.lowercased())
        }
        let patterns = try resolve.list(Keys.anonymousScopes)
        if !patterns.items.isEmpty {
            do {
                auth.anonymousScopes = try ScopePattern.parseAll(patterns.items)
            } catch {
                throw SettingsError("invalid anonymous-scopes (from \(patterns.source)): \(error)")
            }
        }
        return auth
    }
}
