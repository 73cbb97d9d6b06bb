import ChorusCore
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answered to an HTTP client as JSON: `{"error":{"code":"…","message":"…"}}`.
///
/// Every refusal goes through here, so a client always gets a status, a stable code to branch on
/// and a message a person can act on.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code (`invalid-event`, `payload-too-large`, …).
    public var code: String
    /// What is wrong and what to do about it.
    public var message: String
    /// Extra response headers (`Retry-After`).
    public var headers: HTTPFields

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [UInt8] = []
        JSONWriter.write(.object([("error", .object([("code", .string(code)), ("message", .string(message))]))]), into: &body)
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `400`: the request is malformed.
    public static func badRequest(_ code: String, _ message: String) -> APIError {
        APIError(.badRequest, code: code, message: message)
    }

    /// `503` with `Retry-After`: the node cannot do this right now (Redis unreachable, at capacity).
    public static func unavailable(_ message: String, retryAfterSeconds: Int = 1) -> APIError {
        APIError(.serviceUnavailable, code: "unavailable", message: message, headers: [.retryAfter: "\(retryAfterSeconds)"])
    }
}

/// A JSON response body.
func jsonResponse(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
    var body: [UInt8] = []
    JSONWriter.write(value, into: &body)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
}
