/// A node's base URL, split into what requests need: `https://example.com:8443/chorus/` gives
/// `https`, `example.com:8443` and the path prefix `/chorus`, so a publish goes to
/// `https://example.com:8443/chorus/publish`.
public struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// The host, with the port when the URL gives one (`example.com:8443`, `[::1]:8080`).
    public let authority: String
    /// The path before every route, without a trailing `/`; empty for none (`/chorus`).
    public let pathPrefix: String

    /// Parses `http(s)://host[:port][/prefix/]`. A query or fragment is refused.
    public init(_ text: String) throws(ChorusError) {
        let lowered = text.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw ChorusError(.invalidArgument, message: "'\(text)' is not an http:// or https:// URL")
        }
        let rest = text.dropFirst(scheme.count + 3)
        guard !rest.contains("?"), !rest.contains("#") else {
            throw ChorusError(.invalidArgument, message: "'\(text)' has a query or a fragment; give only the scheme, host, port and path")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        guard !authority.isEmpty, !authority.hasPrefix(":"), !authority.contains("@"), !authority.contains(where: \.isWhitespace) else {
            throw ChorusError(.invalidArgument, message: "'\(text)' has no valid host")
        }
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
                throw ChorusError(.invalidArgument, message: "'\(text)' has an invalid port")
            }
        }
        var path = rest[slash...]
        while path.hasSuffix("/") { path = path.dropLast() }
        guard !path.contains(where: \.isWhitespace) else {
            throw ChorusError(.invalidArgument, message: "'\(text)' has white space in its path")
        }
        self.scheme = scheme
        self.authority = String(authority)
        self.pathPrefix = String(path)
    }

    /// The absolute URL of `route` (which starts with `/`) under this base.
    public func url(_ route: String) -> String {
        "\(scheme)://\(authority)\(pathPrefix)\(route)"
    }

    public var description: String { "\(scheme)://\(authority)\(pathPrefix)/" }
}
