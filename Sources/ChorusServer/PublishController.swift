import ChorusCore
import Hummingbird
import NIOCore

/// `POST /publish`: one envelope or an array, as JSON. Answers `202` with the assigned ids.
///
/// Nothing is published unless the whole body is valid: too large is `413`, malformed is `400`,
/// and a bus that cannot reach its backend gives `503` with `Retry-After`.
struct PublishController {
    let bus: any Bus
    let maximumBytes: Int

    func publish(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "payload-too-large", message: "the publish body is larger than \(maximumBytes) bytes")
        }
        let envelopes: [Envelope]
        do {
            envelopes = try PublishRequest.parse(Array(buffer: body))
        } catch {
            throw APIError.badRequest("invalid-event", error.message)
        }
        let ids: [EventID]
        do {
            ids = try await bus.publish(envelopes)
        } catch {
            switch error.code {
            case .unavailable:
                throw APIError.unavailable("the bus is unavailable, nothing was published: \(error.message)")
            case .backend:
                throw APIError(.internalServerError, code: "bus-error", message: "nothing was published: \(error.message)")
            }
        }
        return jsonResponse(.accepted, .object([("ids", .array(ids.map { .string($0.description) }))]))
    }
}
