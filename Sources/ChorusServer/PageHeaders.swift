import HTTPTypes

/// The response headers of the HTML pages a node serves (the console, the demo): no framing by
/// other sites (clickjacking a page that publishes), and no content sniffing.
public enum PageHeaders {
    /// `Content-Type: text/html`, `X-Frame-Options: DENY`, `Content-Security-Policy:
    /// frame-ancestors 'none'`, `X-Content-Type-Options: nosniff`, and `extra`.
    public static func html(_ extra: HTTPFields = [:]) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "frame-ancestors 'none'"]
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers.append(contentsOf: extra)
        return headers
    }
}
