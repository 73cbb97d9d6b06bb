import ChorusCore
import HTTPTypes

/// What a request asked the bus to do, so that a failure's answer can say what became of it.
enum BusAction: Sendable {
    /// `POST /publish`.
    case publish
    /// `POST /users/{id}/close`: a control message to every node.
    case closeUser
    /// `GET /presence/{scope}`: a read, harmless to repeat.
    case readPresence
}

extension APIError {
    /// The HTTP answer to a bus failure: the one place that maps ``BusError/Code`` to a status, a
    /// code and a message that states the outcome.
    ///
    /// | bus code | status | code | the message says |
    /// |---|---|---|---|
    /// | `unavailable` | 503 + `Retry-After` | `unavailable` | nothing was published (sent) |
    /// | `outcomeUnknown` | 503 + `Retry-After` | `outcome-unknown` | it may or may not have been published; retry with the same `Idempotency-Key` |
    /// | `idempotencyKeyReused` | 422 | `idempotency-key-reused` | the key was used for other events; nothing was published |
    /// | `backend` (and any later code) | 500 | `bus-error` | nothing was published |
    static func bus(_ error: BusError, _ action: BusAction) -> APIError {
        switch error.code {
        case .unavailable:
            let outcome = switch action {
            case .publish: "nothing was published"
            case .closeUser: "no stream was closed"
            case .readPresence: "presence is unknown"
            }
            return .unavailable("the bus is unavailable, \(outcome); try again later: \(error.message)")
        case .outcomeUnknown:
            let outcome = switch action {
            case .publish:
                "the events may or may not have been published; retry with the same Idempotency-Key, which publishes them at most once (a retry without a key may publish them twice)"
            case .closeUser:
                "the close may or may not have reached the nodes; sending it again is harmless"
            case .readPresence:
                "presence is unknown; try again"
            }
            return APIError(
                .serviceUnavailable, code: "outcome-unknown",
                message: "the outcome is unknown (the request reached the bus, then no answer came or it could not be confirmed): \(outcome): \(error.message)",
                headers: [.retryAfter: "1"]
            )
        case .idempotencyKeyReused:
            return APIError(.unprocessableContent, code: "idempotency-key-reused", message: "\(error.message); use a new key for new events")
        default:
            let outcome = switch action {
            case .publish: "nothing was published"
            case .closeUser: "no stream was closed"
            case .readPresence: "presence is unknown"
            }
            return APIError(.internalServerError, code: "bus-error", message: "\(outcome): \(error.message)")
        }
    }
}
