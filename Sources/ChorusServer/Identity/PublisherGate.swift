import Hummingbird
import NIOCore

/// Lets `POST /publish` and the control endpoints through only with a publisher key
/// (`Authorization: Bearer <key>`), compared in constant time against every configured key.
///
/// With no key configured (development mode) only requests from a loopback address pass. A
/// subscriber token is never a publisher key, and is refused with a message that says so.
struct PublisherGate: Sendable {
    private let keys: [[UInt8]]

    init(configuration: AuthConfiguration) {
        keys = configuration.publisherKeys.map { Array($0.utf8) }
    }

    /// Throws `401` unless the request may publish.
    func check(_ request: Request, context: ChorusRequestContext) throws(APIError) {
        guard !keys.isEmpty else {
            guard Self.isLoopback(context.channel.remoteAddress) else {
                throw APIError(.unauthorized, code: "missing-publisher-key",
                               message: "this node has no publisher keys configured, so it accepts publishing only from loopback; configure --publisher-key (CHORUS_PUBLISHER_KEYS)",
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

    /// Equal bytes, in time that depends only on the lengths.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
