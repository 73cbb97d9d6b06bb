import ChorusCore
import Hummingbird
import NIOCore

/// `POST /publish`: one envelope or an array, as JSON. Answers `202` with the assigned ids.
///
/// An `Idempotency-Key` header (1–255 bytes of visible ASCII, else `400 invalid-idempotency-key`)
/// makes a retry safe: within the bus's idempotency window a request with the same key and the
/// same events publishes nothing and answers `202` with the original ids; the same key with
/// different events is `422 idempotency-key-reused`.
///
/// Needs a publisher key (see ``PublisherGate``), `Content-Type: application/json`, and must not
/// come from a page on another site (``CrossSiteGuard``). Nothing is published unless the whole
/// body is valid and the ``ChorusHooks/onPublish`` hook lets every event through: cross-site is
/// `403`, another content type `415`, too large is `413`, malformed is `400`, a veto is `403`. A
/// bus failure is answered as ``APIError/bus(_:_:)`` says: `503 unavailable` (nothing was
/// published) or `503 outcome-unknown` (it may have been), both with `Retry-After`, or `500
/// bus-error`.
struct PublishController {
    let bus: any Bus
    let maximumBytes: Int
    let gate: PublisherGate
    let hooks: ChorusHooks
    let metrics: PublishMetrics

    func publish(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try gate.check(request, context: context)
        try Self.requireJSON(request)
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
        let idempotencyKey = try Self.idempotencyKey(of: request)
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
            ids = try await bus.publish(envelopes, idempotencyKey: idempotencyKey)
        } catch {
            throw APIError.bus(error, .publish)
        }
        metrics.accepted(ids.count)
        return jsonResponse(.accepted, .object([("ids", .array(ids.map { .string($0.description) }))]))
    }

    /// Refuses a body that is not declared JSON with `415`. A browser can send a form or
    /// `text/plain` to any site without asking; `application/json` from another origin needs a
    /// CORS preflight first, which is one more thing a cross-site page cannot get past.
    static func requireJSON(_ request: Request) throws(APIError) {
        let declared = request.headers[.contentType] ?? ""
        guard isJSON(declared) else {
            throw APIError(.unsupportedMediaType, code: "unsupported-media-type",
                           message: "publish bodies must be sent with Content-Type: application/json (got \(declared.isEmpty ? "none" : "'\(declared.prefix(100))'"))")
        }
    }

    /// Whether a `Content-Type` value's media type (before any `;`, spaces and tabs left out, in
    /// any case) is `application/json`. Read as UTF-8 bytes: every publish passes through here.
    static func isJSON(_ contentType: String) -> Bool {
        var contentType = contentType
        return contentType.withUTF8 { bytes in
            let expected = "application/json".utf8
            var next = expected.startIndex
            var index = 0
            // Empty parts before the first `;` do not count (as `split` skips them).
            while index < bytes.count, bytes[index] == UInt8(ascii: ";") { index += 1 }
            while index < bytes.count, bytes[index] != UInt8(ascii: ";") {
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { continue }
                guard next != expected.endIndex else { return false }
                let wanted = expected[next]
                // ASCII letters in any case; every other byte as is.
                guard byte == wanted || (wanted >= UInt8(ascii: "a") && wanted <= UInt8(ascii: "z") && byte == wanted - 0x20) else { return false }
                expected.formIndex(after: &next)
            }
            return next == expected.endIndex
        }
    }

    /// The `Idempotency-Key` header: absent, or exactly one valid key (else `400`).
    static func idempotencyKey(of request: Request) throws -> String? {
        let values = request.headers[values: .idempotencyKey]
        guard !values.isEmpty else { return nil }
        guard values.count == 1 else {
            throw APIError.badRequest("invalid-idempotency-key", "send one Idempotency-Key header, not \(values.count); nothing was published")
        }
        if let problem = IdempotencyKey.problem(values[0]) {
            throw APIError.badRequest("invalid-idempotency-key", "\(problem); nothing was published")
        }
        return values[0]
    }
}
