import ChorusRedis
import Testing

@Suite("Redis URL")
struct RedisURLTests {
    static let valid: [(String, RedisURL)] = [
        ("redis://127.0.0.1:6379", RedisURL(host: "127.0.0.1", port: 6379)),
        ("redis://localhost", RedisURL(host: "localhost", port: 6379)),
        ("redis://redis.internal:6380/2", RedisURL(host: "redis.internal", port: 6380, database: 2)),
        ("redis://:secret@host:7000", RedisURL(host: "host", port: 7000, password: "secret")),
        ("redis://chorus:secret@host", RedisURL(host: "host", username: "chorus", password: "secret")),
        ("redis://secret@host", RedisURL(host: "host", password: "secret")),
        ("redis://:p%40ss%3Aword@host/", RedisURL(host: "host", password: "p@ss:word")),
        ("redis://[::1]:6390/1", RedisURL(host: "::1", port: 6390, database: 1)),
        ("REDIS://Host:1", RedisURL(host: "Host", port: 1)),
        ("redis://[redis.internal]:6380", RedisURL(host: "redis.internal", port: 6380)),
        ("rediss://:secret@redis.example.com:6380/1", { var url = RedisURL(host: "redis.example.com", port: 6380, password: "secret", database: 1); url.tls = true; return url }()),
    ]

    @Test(arguments: valid)
    func parses(_ text: String, _ expected: RedisURL) throws {
        #expect(try RedisURL(text) == expected)
    }

    static let invalid: [(String, String)] = [
        ("", "empty"),
        ("localhost:6379", "not a redis URL"),
        ("http://localhost:6379", "unsupported scheme 'http' in redis URL; expected redis://host:port"),
        ("redis+sentinel://h:26379/m?password=x", "unexpected '?password=x'"),
        ("redis://", "missing host"),
        ("redis://:6379", "missing host"),
        ("redis://host:abc", "invalid port 'abc'"),
        ("redis://host:0", "invalid port '0'"),
        ("redis://host:70000", "invalid port '70000'"),
        ("redis://host:6379/x", "invalid database 'x'"),
        ("redis://host:6379/-1", "invalid database '-1'"),
        ("redis://host?timeout=1", "unexpected '?timeout=1'"),
        ("redis://[::1:6379", "unclosed '['"),
        ("redis://:%zz@host", "invalid percent escape"),
        // Found by Fuzz/fuzz-redis-url: a host that cannot be written back as a URL (a '[' left
        // inside it, or a character no host name has) was accepted and passed on to hiredis.
        ("redis://[[::1]:6379", "invalid host '[::1'"),
        ("redis://[[x]", "invalid host '[x'"),
        ("redis://a]b:6379", "invalid host 'a]b'"),
        ("redis://redis host:6379", "invalid host 'redis host'"),
        ("redis://host\u{0}evil:6379", "invalid host"),
    ]

    @Test(arguments: invalid)
    func refuses(_ text: String, _ messagePart: String) {
        #expect {
            _ = try RedisURL(text)
        } throws: { error in
            (error as? RedisURLError)?.message.contains(messagePart) == true
        }
    }

    @Test func hidesThePasswordInItsDescription() throws {
        let url = try RedisURL("redis://chorus:secret@host:6380/3")
        #expect(url.description == "redis://chorus:***@host:6380/3")
        #expect(!url.description.contains("secret"))
        let tls = try RedisURL("rediss+sentinel://:secret@h1,h2:26380/main?sentinel_password=s%40nt")
        #expect(tls.tls && tls.sentinel?.password == "s@nt")
        #expect(tls.description == "rediss+sentinel://:***@h1:26379,h2:26380/main?sentinel_password=***")
    }
}
