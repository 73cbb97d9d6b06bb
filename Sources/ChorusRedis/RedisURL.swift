import ChorusCore

/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`, or,
/// through Sentinel,
/// `redis+sentinel://[[user]:password@]host1[:port],host2[:port]/name[/db][?sentinel_password=secret]`.
/// `rediss://` and `rediss+sentinel://` are the same over TLS (see ``RedisTLS``); with Sentinel,
/// the Sentinels and the data nodes both speak TLS.
///
/// With Sentinel, every connection asks the Sentinels (in order, the first that answers) for the
/// current primary of `name` (`SENTINEL get-master-addr-by-name`), connects to it and checks with
/// `ROLE` that it is a primary; a failover is followed by reconnecting, on losing the primary or on
/// the Sentinels' `+switch-master`. The user name and password are for the primary;
/// `sentinel_password` (percent-encoded) is sent to the Sentinels with `AUTH` (their
/// `requirepass`); without it they are asked without `AUTH`. Sentinel ports default to 26379.
///
/// Examples: `redis://127.0.0.1:6379`, `redis://:secret@redis.internal/2`,
/// `redis://chorus:secret@[::1]:6380`, `rediss://:secret@redis.example.com:6380`. The port
/// defaults to 6379 and the database to 0. Percent escapes in the user name and password are
/// decoded (`%40` for `@`).
public struct RedisURL: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The ACL user for `AUTH user password` (Redis 6 and later); `nil` authenticates as `default`.
    public var username: String?
    /// The password for `AUTH`; `nil` means no `AUTH` is sent.
    public var password: String?
    /// The logical database for `SELECT`.
    public var database: Int
    /// The Sentinels to ask for the primary, for a `redis+sentinel://` URL; `nil` for a plain one
    /// (then ``host`` and ``port`` are the server's; with Sentinel they are the first Sentinel's).
    public var sentinel: Sentinel?
    /// Whether connections use TLS (`rediss://`, `rediss+sentinel://`).
    public var tls: Bool = false

    /// A set of Sentinels and the name of the primary they watch.
    public struct Sentinel: Sendable, Hashable {
        /// The Sentinels, as `(host, port)`, asked in this order.
        public var nodes: [Node]
        /// The name the Sentinels know the primary by (`sentinel monitor <name> …`).
        public var primaryName: String
        /// The password for `AUTH` to the Sentinels (`sentinel_password=` in the URL), if they
        /// require one.
        public var password: String?

        /// One Sentinel's address.
        public struct Node: Sendable, Hashable {
            /// Host name or IP address (IPv6 without brackets).
            public var host: String
            /// TCP port.
            public var port: Int

            /// Creates an address.
            public init(host: String, port: Int) {
                self.host = host
                self.port = port
            }
        }

        /// Creates a Sentinel configuration.
        public init(nodes: [Node], primaryName: String, password: String? = nil) {
            self.nodes = nodes
            self.primaryName = primaryName
            self.password = password
        }
    }

    /// Creates a URL from its parts.
    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    public init(_ text: String) throws(RedisURLError) {
        let expected = "expected redis://host:port"
        guard !text.isEmpty else { throw RedisURLError("the redis URL is empty; \(expected)") }
        let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw RedisURLError("'\(text)' is not a redis URL; \(expected)")
        }
        let scheme = parts[0].lowercased()
        if scheme == "redis+sentinel" || scheme == "rediss+sentinel" {
            try self.init(sentinelURL: text, rest: parts[1])
            tls = scheme == "rediss+sentinel"
            return
        }
        guard scheme == "redis" || scheme == "rediss" else {
            throw RedisURLError("unsupported scheme '\(scheme)' in redis URL; \(expected) (rediss:// for TLS), or redis+sentinel://host:26379,host:26379/name")
        }
        var rest = parts[1]
        if let extra = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            throw RedisURLError("unexpected '\(rest[extra...])' in redis URL; \(expected)[/db] (options are not supported)")
        }

        let (username, password) = try Self.takeCredentials(from: &rest)

        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let text = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !text.isEmpty {
                guard let number = Int(text), number >= 0 else {
                    throw RedisURLError("invalid database '\(text)' in redis URL; expected a number, as in redis://host:6379/0")
                }
                database = number
            }
        }

        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw RedisURLError("unclosed '[' in the host of redis URL '\(text)'; expected redis://[::1]:6379")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw RedisURLError("unexpected '\(after)' after the host in redis URL; \(expected)")
                }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw RedisURLError("missing host in redis URL '\(text)'; \(expected)") }
        // A bracket left in the host, a space or a control character (a NUL would cut the name
        // hiredis sees) is a typo, not a host: refuse it rather than try to connect to it.
        if host.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }) {
            let shown = String(host.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
            throw RedisURLError("invalid host '\(shown)' in redis URL; \(expected) (an IPv6 address goes in brackets: redis://[::1]:6379)")
        }

        var port = 6379
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw RedisURLError("invalid port '\(portText)' in redis URL; expected a number from 1 to 65535")
            }
            port = number
        }
        self.init(host: String(host), port: port, username: username, password: password, database: database)
        tls = scheme == "rediss"
    }

    /// Takes `[user][:password]@` off the front of `rest`, decoded; `redis://secret@host` (a lone
    /// credential) is the password, as redis-cli reads it.
    private static func takeCredentials(from rest: inout Substring) throws(RedisURLError) -> (username: String?, password: String?) {
        guard let at = rest.lastIndex(of: "@") else { return (nil, nil) }
        let credentials = rest[..<at]
        rest = rest[rest.index(after: at)...]
        guard let colon = credentials.firstIndex(of: ":") else {
            return (nil, try decode(credentials, part: "password"))
        }
        let user = credentials[..<colon]
        return (user.isEmpty ? nil : try decode(user, part: "user name"), try decode(credentials[credentials.index(after: colon)...], part: "password"))
    }

    /// Parses the part after `redis+sentinel://`.
    private init(sentinelURL text: String, rest whole: Substring) throws(RedisURLError) {
        let expected = "expected redis+sentinel://[:password@]host:26379,host:26379/name[/db][?sentinel_password=secret]"
        var rest = whole
        if let hash = rest.firstIndex(of: "#") {
            throw RedisURLError("unexpected '\(rest[hash...])' in redis URL; \(expected)")
        }
        var sentinelPassword: String?
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...]
            rest = rest[..<question]
            for item in query.split(separator: "&") {
                guard item.hasPrefix("sentinel_password=") else {
                    throw RedisURLError("unexpected '?\(item)' in redis URL; \(expected) (sentinel_password is the only option)")
                }
                sentinelPassword = try Self.decode(item.dropFirst("sentinel_password=".count), part: "sentinel password")
            }
        }
        let (username, password) = try Self.takeCredentials(from: &rest)
        guard let slash = rest.firstIndex(of: "/") else {
            throw RedisURLError("missing the primary's name in '\(text)'; \(expected)")
        }
        let hosts = rest[..<slash]
        let path = rest[rest.index(after: slash)...].split(separator: "/", omittingEmptySubsequences: false)
        guard let name = path.first, !name.isEmpty, path.count <= 2 else {
            throw RedisURLError("missing or invalid primary name in '\(text)'; \(expected)")
        }
        var database = 0
        if path.count == 2, !path[1].isEmpty {
            guard let number = Int(path[1]), number >= 0 else {
                throw RedisURLError("invalid database '\(path[1])' in redis URL; expected a number, as in redis+sentinel://host:26379/mymaster/0")
            }
            database = number
        }
        var nodes: [Sentinel.Node] = []
        for item in hosts.split(separator: ",", omittingEmptySubsequences: false) {
            let (host, port) = try Self.hostAndPort(item, defaultPort: 26379, expected: expected)
            nodes.append(Sentinel.Node(host: host, port: port))
        }
        guard let first = nodes.first else { throw RedisURLError("no sentinel in '\(text)'; \(expected)") }
        self.init(host: first.host, port: first.port, username: username, password: password, database: database)
        sentinel = Sentinel(nodes: nodes, primaryName: String(name), password: sentinelPassword)
    }

    /// `host[:port]` or `[v6]:port`.
    private static func hostAndPort(_ text: Substring, defaultPort: Int, expected: String) throws(RedisURLError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw RedisURLError("unclosed '[' in the host '\(text)' of the redis URL; \(expected)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw RedisURLError("unexpected '\(after)' after the host in redis URL; \(expected)") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { throw RedisURLError("missing host in redis URL; \(expected)") }
        var port = defaultPort
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw RedisURLError("invalid port '\(portText)' in redis URL; expected a number from 1 to 65535")
            }
            port = number
        }
        return (String(host), port)
    }

    /// The URL with the password hidden, for logs and messages.
    public var description: String {
        var text = (tls ? "rediss" : "redis") + (sentinel == nil ? "://" : "+sentinel://")
        if username != nil || password != nil {
            text += username ?? ""
            if password != nil { text += ":***" }
            text += "@"
        }
        if let sentinel {
            text += sentinel.nodes.map { Self.address($0.host, $0.port) }.joined(separator: ",")
            text += "/\(sentinel.primaryName)"
        } else {
            text += Self.address(host, port)
        }
        if database != 0 { text += "/\(database)" }
        if sentinel?.password != nil { text += "?sentinel_password=***" }
        return text
    }

    /// `host:port` (or, with Sentinel, the primary's name and the Sentinels), for messages.
    var address: String {
        guard let sentinel else { return Self.address(host, port) }
        return "primary '\(sentinel.primaryName)' (via sentinels \(sentinel.nodes.map { Self.address($0.host, $0.port) }.joined(separator: ",")))"
    }

    static func address(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func decode(_ text: Substring, part: String) throws(RedisURLError) -> String {
        guard let bytes = PercentEncoding.decode(text) else {
            throw RedisURLError("invalid percent escape in the \(part) of the redis URL; write '%' as %25")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A redis URL that cannot be used; the message says what to write instead.
public struct RedisURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the URL.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
