import ChorusCore
import Hummingbird
import NIOCore

/// `POST /publish`: one envelope or an array, as JSON. Answers `202` with the assigned ids.
///
/// Needs a publisher key (see ``PublisherGate``). Nothing is published unless the whole body is
/// valid and the ``ChorusHooks/onPublish`` hook lets every event through: too large is `413`,
/// malformed is `400`, a veto is `403`. A bus failure is answered as ``APIError/bus(_:_:)`` says:
/// `503 unavailable` (nothing was published) or `503 outcome-unknown` (it may have been), both
/// with `Retry-After`, or `500 bus-error`.
struct PublishController {
    let bus: any Bus
    let maximumBytes: Int
    let gate: PublisherGate
    let hooks: ChorusHooks

    func publish(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try gate.check(request, context: context)
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "payload-too-large", message: "the publish body is larger than \(maximumBytes) bytes")
        }
        var envelopes: [Envelope]
        do {
            envelopes = try PublishRequest.parse(Array(buffer: body))
        } catch {
            throw APIError.badRequest("invalid-event", error.message)
        }
        for index in envelopes.indices {
            switch await hooks.onPublish(envelopes[index]) {
            case .publish(let envelope):
                envelopes[index] = envelope
            case .veto(let reason):
                let position = envelopes.count > 1 ? "event [\(index)]: " : ""
                throw APIError(.forbidden, code: "publish-vetoed", message: "nothing was published: \(position)\(reason)")
            }
        }
        let ids: [EventID]
        do {
            ids = try await bus.publish(envelopes)
        } catch {
            throw APIError.bus(error, .publish)
        }
        return jsonResponse(.accepted, .object([("ids", .array(ids.map { .string($0.description) }))]))
    }
}
