/// An `http://host:port/path?query` URL in which `{scope}` stands for a scope name, e.g.
/// `http://127.0.0.1:8081/events?scope={scope}` (Chorus) or `http://127.0.0.1:8091/sub/{scope}` (Nchan).
///
/// Only plain HTTP to an address given as numbers or a name that resolves locally: the tool
/// is meant for loopback benchmarks.
public struct URLTemplate: Sendable, CustomStringConvertible {
    /// The host as written in the URL (also sent as the `Host` header).
    public let host: String
    /// The TCP port (80 if the URL has none).
    public let port: Int
    /// The path and query, still holding `{scope}` placeholders.
    public let pathTemplate: String
    /// The URL as given.
    public let description: String

    /// Parses `text`; throws a message naming what is wrong.
    public init(_ text: String) throws(BenchError) {
        description = text
        guard text.hasPrefix("http://") else {
            throw BenchError("URL '\(text)' must start with http:// (https is not supported)")
        }
        let rest = text.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        pathTemplate = slash == rest.endIndex ? "/" : String(rest[slash...])
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw BenchError("URL '\(text)' has an invalid port")
            }
            port = number
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty else { throw BenchError("URL '\(text)' has no host") }
    }

    /// Whether the template mentions `{scope}`.
    public var hasScope: Bool { pathTemplate.contains("{scope}") }

    /// The request target (path and query) for `scope`.
    public func path(scope: String) -> String {
        pathTemplate.replacingAll("{scope}", with: scope)
    }
}

extension String {
    /// `self` with every `target` replaced by `replacement` (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
