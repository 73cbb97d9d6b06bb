/// Where a node listens: `http://host:port` (no TLS; put a proxy in front for that).
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `http://host:port` (a trailing `/` is allowed; the port defaults to 80).
    public init(url: String) throws(ChorusClientError) {
        var rest = Substring(url)
        guard rest.hasPrefix("http://") else {
            throw ChorusClientError("'\(url)' is not an http:// URL (https is not supported by this client; use http://host:port)")
        }
        rest = rest.dropFirst("http://".count)
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else {
                throw ChorusClientError("'\(url)' has a path; give only http://host:port")
            }
            rest = rest[..<slash]
        }
        if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
                throw ChorusClientError("'\(url)' has an invalid port")
            }
            self.init(host: String(rest[..<colon]), port: port)
        } else {
            self.init(host: String(rest), port: 80)
        }
        guard !host.isEmpty else { throw ChorusClientError("'\(url)' has no host") }
    }

    public var description: String { "http://\(host):\(port)" }
}
