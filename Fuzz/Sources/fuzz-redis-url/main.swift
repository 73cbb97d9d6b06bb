// `--redis` / `CHORUS_REDIS_URL`: never traps; what parses is within range, and writing the parts
// back as a URL (credentials percent-encoded, `redis://` or `rediss://`) parses to the same parts.
import ChorusCore
import ChorusRedis
import FuzzSupport

Fuzzer.run { input in
    let text = String(decoding: input, as: UTF8.self)
    guard let url = try? RedisURL(text) else { return }
    expect(!url.host.isEmpty, "empty host")
    expect((1...65535).contains(url.port), "port \(url.port)")
    expect(url.database >= 0, "database \(url.database)")
    if let sentinel = url.sentinel {
        // Sentinel URLs: every Sentinel's address is usable.
        expect(!sentinel.nodes.isEmpty && !sentinel.primaryName.isEmpty, "no sentinel or no name")
        expect(sentinel.nodes.allSatisfy { !$0.host.isEmpty && (1...65535).contains($0.port) }, "sentinel address")
        return
    }
    let scheme = url.tls ? "rediss://" : "redis://"
    // The description (for logs) is the URL with the password, whatever it is, shown as ***.
    var shown = scheme
    if url.username != nil || url.password != nil {
        shown += (url.username ?? "") + (url.password != nil ? ":***" : "") + "@"
    }
    shown += (url.host.contains(":") ? "[\(url.host)]" : url.host) + ":\(url.port)" + (url.database != 0 ? "/\(url.database)" : "")
    expect(bytes(url.description) == bytes(shown), "description \(url.description.debugDescription), expected \(shown.debugDescription)")

    var written = scheme
    if url.username != nil || url.password != nil {
        written += PercentEncoding.encode(url.username ?? "") + ":" + PercentEncoding.encode(url.password ?? "") + "@"
    }
    written += url.host.contains(":") ? "[\(url.host)]" : url.host
    written += ":\(url.port)/\(url.database)"
    guard let again = try? RedisURL(written) else { fatalError("\(written.debugDescription), written from \(text.debugDescription), does not parse") }
    expect(bytes(again.host) == bytes(url.host) && again.port == url.port && again.database == url.database && again.tls == url.tls, "\(written.debugDescription) parses to another address")
    expect(bytes(again.username) == bytes(url.username), "user name changed")
    expect(bytes(again.password) == bytes(url.password) || (url.username == nil && url.password == "" && again.password == ""), "password changed")
}
