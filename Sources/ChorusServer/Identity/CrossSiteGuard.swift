import HTTPTypes
import Hummingbird

/// Refuses state-changing requests (`POST`, `PUT`, `PATCH`, `DELETE`: publishing, closing users,
/// an app's own forms) that a browser sent on behalf of a page from another site.
///
/// They must not be reachable through a visitor's browser: a page on any site can make it send a
/// form post or a `no-cors` fetch, with the visitor's network position (development mode trusts
/// loopback) and cookies. Browsers say where a request comes from, and pages cannot forge it:
/// - an origin in ``NodeConfiguration/allowedOrigins`` (the app's own pages on another origin) passes;
/// - `Sec-Fetch-Site: same-origin` or `none` passes, `cross-site` and `same-site` are refused;
/// - otherwise an `Origin` whose host differs from the request's `Host` (or `Origin: null`) is refused;
/// - a request with neither header did not come from a browser page (curl, a backend): it passes,
///   and the publisher key decides.
///
/// Added to the router before any route, so every route of the node and of the app behind it is
/// covered.
struct CrossSiteGuard<Context: RequestContext>: RouterMiddleware {
    private let allowed: Set<String>
    private let allowsAny: Bool

    init(allowedOrigins: [String]) {
        allowed = Set(allowedOrigins.map(Self.normalized))
        allowsAny = allowedOrigins.contains("*")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options:
            break
        default:
            try check(request)
        }
        return try await next(request, context)
    }

    /// Throws `403 cross-site-request` for a request from another site.
    func check(_ request: Request) throws(APIError) {
        let origin = request.headers[.origin]
        if let origin, allowsAny || allowed.contains(Self.normalized(origin)) { return }
        switch request.headers[Self.fetchSite]?.lowercased() {
        case "same-origin", "none":
            return
        case "cross-site", "same-site":
            throw Self.refusal(origin)
        default:
            break
        }
        guard let origin else { return }
        guard let host = request.head.authority, let authority = Self.authority(ofOrigin: origin), Self.stripDefaultPort(host.lowercased()) == authority else {
            throw Self.refusal(origin)
        }
    }

    private static var fetchSite: HTTPField.Name { HTTPField.Name("Sec-Fetch-Site")! }

    private static func refusal(_ origin: String?) -> APIError {
        let from = origin.map { " from \($0.prefix(100))" } ?? ""
        return APIError(.forbidden, code: "cross-site-request",
                        message: "this request came from a page on another site\(from); publishing and closing users are refused to cross-site requests (allow an app's origin with the cors-origins setting)")
    }

    /// `scheme://host[:port]` in lower case, without a default port or a trailing slash.
    static func normalized(_ origin: String) -> String {
        var text = origin.lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        guard let separator = text.firstRange(of: "://") else { return text }
        return String(text[..<separator.upperBound]) + stripDefaultPort(String(text[separator.upperBound...]), scheme: String(text[..<separator.lowerBound]))
    }

    /// The `host[:port]` of an origin, normalized; `nil` for `null` or anything that is not one.
    static func authority(ofOrigin origin: String) -> String? {
        let text = normalized(origin)
        guard let separator = text.firstRange(of: "://"), !text[separator.upperBound...].isEmpty else { return nil }
        return String(text[separator.upperBound...])
    }

    private static func stripDefaultPort(_ authority: String, scheme: String? = nil) -> String {
        for (suffix, schemes) in [(":80", ["http", nil]), (":443", ["https", nil])] where authority.hasSuffix(suffix) {
            if scheme == nil || schemes.contains(scheme) { return String(authority.dropLast(suffix.count)) }
        }
        return authority
    }
}
