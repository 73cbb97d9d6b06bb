import ChorusCore
import ChorusRedis

extension NodeSettings {
    /// Every setting of `chorus serve`, once: its file key, flag, variable, default and help.
    /// Defaults are read from the types that own them (``NodeConfiguration``, ``BusDefaults``,
    /// ``RedisConfiguration``), never written again here.
    public enum Keys {
        private static let node = NodeConfiguration()

        /// A JSON or YAML file with any of these settings (flags and variables win over it).
        public static let configurationFile = SettingKey("config", summary: "A JSON or YAML file of settings, keyed by name: heartbeat, port, redis-url, publisher-keys, … (the variables' names without CHORUS_, in lower case with dashes).")
        /// A directory with one file per secret, named after the setting (as Kubernetes mounts secrets).
        public static let secretsDirectory = SettingKey("secrets-dir", summary: "A directory holding secrets as files named after their settings: token-secret, publisher-keys, redis-url.")
        /// The address to listen on.
        public static let host = SettingKey("host", summary: "Address to listen on.", default: node.host)
        /// The port to listen on.
        public static let port = SettingKey("port", summary: "Port to listen on.", default: "\(node.port)")
        /// The node's name.
        public static let nodeID = SettingKey("node-id", summary: "This node's name in logs and presence.", default: "host:port")
        /// Heartbeat interval.
        public static let heartbeat = SettingKey("heartbeat", summary: "Heartbeat interval for idle streams, e.g. 15s.", default: DurationText.format(node.heartbeatInterval))
        /// The browsers' reconnection delay.
        public static let retry = SettingKey("retry", summary: "Reconnection delay sent to browsers, e.g. 2s.", default: DurationText.format(node.retryInterval))
        /// Events kept for replay.
        public static let history = SettingKey("history", summary: "Events kept for Last-Event-ID replay.", default: "\(BusDefaults.historyCapacity)")
        /// Frames a slow client may fall behind.
        public static let queueSize = SettingKey("queue-size", summary: "Frames a client that stopped reading may fall behind (or have waiting while its replay is written) before it is disconnected.", default: "\(node.queueCapacity)")
        /// The largest publish body.
        public static let maxBody = SettingKey("max-body", summary: "Largest publish body in bytes.", default: "\(node.maximumPublishBytes)")
        /// The most streams.
        public static let maxConnections = SettingKey("max-connections", summary: "Most SSE connections on this node.", default: "\(node.maximumConnections), or the file descriptor limit - 256 if lower")
        /// The request head timeout.
        public static let requestHeadTimeout = SettingKey("request-head-timeout", summary: "A connection must send its request head within this long (of connecting, or of its last response on a kept-alive connection); open streams are not affected.", default: DurationText.format(node.requestHeadTimeout))
        /// The most connections waiting for a head.
        public static let maxIdleConnections = SettingKey("max-idle-connections", summary: "Most connections waiting for a request head at once; beyond it the longest-waiting is closed.", default: "\(node.maximumIdleConnections)")
        /// Other origins whose pages may use the node.
        public static let corsOrigins = SettingKey("cors-origins", flag: "cors-origin", summary: "A browser origin (https://app.example.com) whose pages may use this node from another origin (CORS: streams, publish, close users, presence); repeat for several. '*' allows any origin without credentials (not enough for chorus.js, which sends cookies). Other sites are refused.", isList: true)
        /// The drain delay.
        public static let drainDelay = SettingKey("drain-delay", summary: "On SIGTERM, how long the node stays up answering /readyz 503 before it closes any stream, so load balancers stop sending it new ones; 0 for none.", default: DurationText.format(node.drainDelay))
        /// The drain window.
        public static let drainWindow = SettingKey("drain-window", summary: "After the drain delay, the node closes its streams spread evenly over this long, then exits; 0 closes them at once. A second SIGTERM exits at once.", default: DurationText.format(node.drainWindow))
        /// The longest a stream lives.
        public static let maxStreamAge = SettingKey("max-stream-age", summary: "End streams older than this (plus up to a tenth, at random) with a reconnect close event, so connections rebalance after a scale-out, e.g. 1h; 0 for never.", default: "0")
        /// Presence bytes per stream.
        public static let maxPresenceBytes = SettingKey("max-presence-bytes", summary: "Most bytes one stream's presence entries may take in the bus; larger streams get 400.", default: "\(node.maximumPresenceBytes)")
        /// Anonymous presence.
        public static let anonymousPresence = SettingKey("anonymous-presence", summary: "on or off: whether subscribers without a token are recorded in presence.", default: node.anonymousPresence ? "on" : "off")
        /// The stream sockets' send buffer.
        public static let streamSendBuffer = SettingKey("stream-send-buffer", summary: "Kernel send buffer per stream socket in bytes (SO_SNDBUF; 0 keeps the kernel's autotuning).", default: "\(node.streamSendBufferBytes ?? 0)")
        /// Whether metrics are recorded.
        public static let metrics = SettingKey("metrics", summary: "on or off: record Prometheus metrics and serve GET /metrics.", default: node.metricsEnabled ? "on" : "off")
        /// Where /metrics is served.
        public static let metricsAddress = SettingKey("metrics-address", summary: "Serve GET /metrics (Prometheus) on its own listener at host:port instead of the main port, so it need not be public.")
        /// The Redis URL.
        public static let redisURL = SettingKey("redis-url", flag: "redis", summary: "Join a cluster through Redis: redis://[:password@]host:port[/db] (rediss:// for TLS), or through Sentinel: redis+sentinel://[:password@]host:26379,host:26379/primary-name[/db][?sentinel_password=…] (rediss+sentinel:// for TLS to Sentinels and Redis). Without it the node uses its embedded in-memory bus.", isSecret: true)
        /// The CAs that sign Redis's certificate.
        public static let redisCA = SettingKey("redis-ca", summary: "PEM file of the certificate authorities that sign the Redis server's certificate (rediss://); without it, the system's trust store.")
        /// This node's client certificate for Redis.
        public static let redisCert = SettingKey("redis-cert", summary: "PEM file of this node's client certificate, for Redis with tls-auth-clients (mutual TLS); needs redis-key.")
        /// The client certificate's key.
        public static let redisKey = SettingKey("redis-key", summary: "PEM file of the private key of redis-cert.")
        /// The Redis key prefix.
        public static let redisPrefix = SettingKey("redis-prefix", summary: "Prefix of the Redis keys and channel, so several deployments can share one Redis.", default: RedisConfiguration.defaultKeyPrefix)
        /// Replicas that must hold a publish.
        public static let redisReplicasAck = SettingKey("redis-replicas-ack", summary: "Answer a publish 202 only once this many Redis replicas hold it (WAIT); otherwise 503 outcome-unknown.", default: "0")
        /// The idempotency window.
        public static let idempotencyWindow = SettingKey("idempotency-window", summary: "How long a publish's Idempotency-Key is remembered: a retry within it publishes nothing and gets the original ids.", default: DurationText.format(BusDefaults.idempotencyWindow))
        /// The token secret.
        public static let tokenSecret = SettingKey("token-secret", summary: "Secret that subscriber tokens (JWT, HS256) are signed with; at least 32 bytes. Without it tokens are refused.", isSecret: true)
        /// Publisher keys.
        public static let publisherKeys = SettingKey("publisher-keys", flag: "publisher-key", summary: "A key that may publish and use the control endpoints (Authorization: Bearer); repeat for several (rotation). Without any, publishing is open to loopback clients only.", isSecret: true, isList: true)
        /// Anonymous subscribers.
        public static let anonymous = SettingKey("anonymous", summary: "allow or deny subscribers without a token.", default: node.auth.anonymous.rawValue)
        /// Anonymous subscribers' scopes.
        public static let anonymousScopes = SettingKey("anonymous-scopes", summary: "A scope pattern anonymous subscribers may use ('public:*', '**'); repeat for several.", default: "**", isList: true)
        /// The demo.
        public static let demo = SettingKey("demo", summary: "Serve the live-document demo at / (reactive htmx blocks, presence, private notes).", default: "off")
        /// The demo's htmx files.
        public static let demoAssets = SettingKey("demo-assets", summary: "Folder with htmx.min.js and sse.js for the demo page (scripts/fetch-htmx.sh fills one); without it the page loads them from unpkg.com.")
        /// The log level.
        public static let logLevel = SettingKey("log-level", summary: "trace, debug, info, notice, warning, error or critical.", default: "info")
        /// The log format.
        public static let logFormat = SettingKey("log-format", summary: "text, or json: one object per line for log collectors.", default: LogFormat.text.rawValue)

        /// All of them, in the order `--check` prints them.
        public static let all: [SettingKey] = [
            configurationFile, secretsDirectory, host, port, nodeID, heartbeat, retry, history, queueSize, maxBody,
            maxConnections, requestHeadTimeout, maxIdleConnections, corsOrigins, drainDelay, drainWindow, maxStreamAge, maxPresenceBytes, anonymousPresence,
            streamSendBuffer, metrics, metricsAddress, redisURL, redisCA, redisCert, redisKey, redisPrefix, redisReplicasAck, idempotencyWindow, tokenSecret, publisherKeys,
            anonymous, anonymousScopes, demo, demoAssets, logLevel, logFormat,
        ]
    }
}
