import Hummingbird
import NIOCore

/// Lets `POST /publish` and the control endpoints through only with a publisher key
/// (`Authorization: Bearer <key>`), compared in constant time against every configured key.
///
/// With no key configured (development mode) only requests from a loopback address that also name
/// the node by a loopback host (`Host: localhost`, `127.0.0.1`, `[::1]`) pass: a page whose domain
/// an attacker re-binds to 127.0.0.1 (DNS rebinding) sends its own host name, and is refused. A
/// subscriber token is never a publisher key, and is refused with a message that says so.
struct PublisherGate: Sendable {
    private let keys: [[UInt8]]

    init(configuration: AuthConfiguration) {
        keys = configuration.publisherKeys.map { Array($0.utf8) }
    }

    /// Throws `401` unless the request may publish.
    func check(_ request: Request, context: ChorusRequestContext) throws(APIError) {
        guard !keys.isEmpty else {
            guard Self.isLoopback(context.channel.remoteAddress), Self.isLoopbackHost(request.head.authority) else {
                throw APIError(.unauthorized, code: "missing-publisher-key",
                               message: "this node has no publisher keys configured, so it accepts publishing only from loopback clients that address it as localhost, 127.0.0.1 or [::1]; configure the publisher-keys setting",
                               headers: [.wwwAuthenticate: "Bearer"])
            }
            return
        }
        guard let presented = BearerCredential.from(request) else {
            throw APIError(.unauthorized, code: "missing-publisher-key",
                           message: "this endpoint needs a publisher key: send Authorization: Bearer <key>",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        let bytes = Array(presented.utf8)
        var matched = false
        for key in keys where Self.constantTimeEquals(key, bytes) { matched = true }
        guard matched else {
            let looksLikeToken = presented.split(separator: ".", omittingEmptySubsequences: false).count == 3
            throw APIError(.unauthorized, code: "invalid-publisher-key",
                           message: looksLikeToken
                               ? "a subscriber token is not a publisher key: send one of the node's publisher keys"
                               : "the publisher key is not one of this node's keys",
                           headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    /// Whether a `Host` value names this machine's loopback interface (a missing one, from an
    /// HTTP/1.0 client on loopback, is taken as such).
    static func isLoopbackHost(_ host: String?) -> Bool {
        guard let host = host?.lowercased() else { return true }
        var name = Substring(host)
        if name.hasPrefix("[") {
            name = name.dropFirst().prefix { $0 != "]" }
        } else if let colon = name.lastIndex(of: ":") {
            name = name[..<colon]
        }
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" { return true }
        // 127.x.y.z as an address literal, not a name that merely starts so (127.evil.example).
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
    }

    /// Equal bytes, in time that depends only on the lengths.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
