import HTTPTypes
import Hummingbird

/// The refusal of a stream at the node's connection cap. It is answered exactly as the
/// ``APIError`` it carries (`503` with `Retry-After`); a type of its own only so that the metrics
/// can tell it from the other `503`s.
struct CapacityRefusal: HTTPResponseError {
    let error: APIError

    var status: HTTPResponse.Status { error.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try error.response(from: request, context: context)
    }
}
