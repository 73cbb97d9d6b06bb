import ChorusRedis
import Testing

@Suite("Redis Sentinel URL")
struct SentinelURLTests {
    @Test func parsesSentinelsNameDatabaseAndPassword() throws {
        let url = try RedisURL("redis+sentinel://:s3cret@10.0.0.1:26379,sentinel-2,[::1]:26380/mymaster/2")
        #expect(url.sentinel == RedisURL.Sentinel(nodes: [
            .init(host: "10.0.0.1", port: 26379), .init(host: "sentinel-2", port: 26379), .init(host: "::1", port: 26380),
        ], primaryName: "mymaster"))
        #expect(url.password == "s3cret")
        #expect(url.database == 2)
        #expect(url.description == "redis+sentinel://:***@10.0.0.1:26379,sentinel-2:26379,[::1]:26380/mymaster/2")
        #expect(try RedisURL("redis+sentinel://h:1/m").sentinel?.primaryName == "m")
        #expect(try RedisURL("redis://h:1").sentinel == nil)
    }

    static let invalid: [(String, String)] = [
        ("redis+sentinel://h:26379", "missing the primary's name"),
        ("redis+sentinel://h:26379/", "primary name"),
        ("redis+sentinel://h:26379/m/x", "invalid database 'x'"),
        ("redis+sentinel://h:26379/m/1/2", "primary name"),
        ("redis+sentinel://h:1,,h:2/m", "missing host"),
        ("redis+sentinel://h:99999/m", "invalid port '99999'"),
        ("redis+sentinel://h/m?x=1", "unexpected '?x=1'"),
    ]

    @Test(arguments: invalid)
    func refuses(_ text: String, _ mentions: String) {
        #expect {
            _ = try RedisURL(text)
        } throws: { error in
            "\(error)".contains(mentions)
        }
    }
}
