import HTTPTypes
import Hummingbird

/// CORS for pages of an app whose Chorus nodes live on another origin: lets the browser give those
/// pages the responses of `/events` (and a shared stream's `/events/tabs`), `/publish` and the control routes (`/users/{id}/close`,
/// `/presence/{scope}`), and answers their preflight requests.
///
/// Only for the origins in ``NodeConfiguration/allowedOrigins``:
/// - a listed origin is echoed in `Access-Control-Allow-Origin`, with
///   `Access-Control-Allow-Credentials: true` (chorus.js sends its token cookie) and `Vary: Origin`;
/// - `*` lets every other origin read responses, without credentials: a browser then refuses a
///   request that sends cookies (as chorus.js does), so pages that need them must be listed;
/// - any other origin gets no CORS header, and its browser keeps the response from the page.
///
/// A preflight (`OPTIONS` with `Access-Control-Request-Method`), which chorus.js's `Last-Event-ID`
/// header and a publish's `Authorization`, `Content-Type: application/json` or `Idempotency-Key`
/// trigger, is answered `204` with the methods and headers these routes take. Other requests, and
/// everything with no allowed origin configured, are left as they are. Whether a cross-origin
/// request may change anything is still ``CrossSiteGuard``'s and the publisher key's decision.
struct CrossOriginResourceSharing<Context: RequestContext>: RouterMiddleware {
    /// The request headers these routes read, for `Access-Control-Allow-Headers`.
    static var allowedHeaders: String { "Authorization, Content-Type, Idempotency-Key, Last-Event-ID" }
    /// How long a browser may cache a preflight's answer, in seconds.
    static var maximumAge: Int { 600 }

    private let listed: Set<String>
    private let allowsAny: Bool

    init(allowedOrigins: [String]) {
        listed = Set(allowedOrigins.filter { $0 != "*" }.map(CrossSiteGuard<Context>.normalized))
        allowsAny = allowedOrigins.contains("*")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isCovered(request.uri.path), let origin = request.headers[.origin], let grant = grant(for: origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            grant.apply(to: &headers)
            headers[.accessControlAllowMethods] = "GET, POST"
            headers[.accessControlAllowHeaders] = Self.allowedHeaders
            headers[.accessControlMaxAge] = "\(Self.maximumAge)"
            headers.append(HTTPField(name: .vary, value: "Access-Control-Request-Method, Access-Control-Request-Headers"))
            return Response(status: .noContent, headers: headers)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // An error must be readable too: chorus.js tells a refused stream from an overloaded node by it.
            response = try error.response(from: request, context: context)
        }
        grant.apply(to: &response.headers)
        response.headers[.accessControlExposeHeaders] = "Retry-After"
        return response
    }

    /// Whether `path` is one of the routes pages on other origins may use.
    static func isCovered(_ path: String) -> Bool {
        if path == "/events" || path == "/events/tabs" || path == "/publish" { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return (parts.count == 4 && parts[1] == "users" && parts[3] == "close") || (parts.count == 3 && parts[1] == "presence")
    }

    /// What `origin` may do: read with credentials (listed), read without (`*`), or nothing.
    private func grant(for origin: String) -> Grant? {
        if listed.contains(CrossSiteGuard<Context>.normalized(origin)) { return .credentialed(origin) }
        return allowsAny ? .anyOrigin : nil
    }

    private enum Grant {
        case credentialed(String)
        case anyOrigin

        func apply(to headers: inout HTTPFields) {
            switch self {
            case .credentialed(let origin):
                headers[.accessControlAllowOrigin] = origin
                headers[.accessControlAllowCredentials] = "true"
            case .anyOrigin:
                headers[.accessControlAllowOrigin] = "*"
            }
            // Echoed per origin (and `*` differs from an echo): caches must key on it.
            headers.append(HTTPField(name: .vary, value: "Origin"))
        }
    }

}
