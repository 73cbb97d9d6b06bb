import ChorusCore
@testable import ChorusServer
import Testing

/// How a bus failure is answered over HTTP: the status, the code and the outcome the message states.
@Suite("Bus failures over HTTP")
struct BusFailureTests {
    @Test func unavailableSaysNothingWasPublishedWithRetryAfter() {
        let error = APIError.bus(BusError(.unavailable, "redis is down"), .publish)
        #expect(error.status == .serviceUnavailable)
        #expect(error.code == "unavailable")
        #expect(error.headers[.retryAfter] != nil)
        #expect(error.message.contains("nothing was published"))
        #expect(error.message.contains("redis is down"))
    }

    @Test func outcomeUnknownSaysItMayHaveBeenPublishedAndToRetryWithTheSameKey() {
        let error = APIError.bus(BusError(.outcomeUnknown, "redis did not answer in time"), .publish)
        #expect(error.status == .serviceUnavailable)
        #expect(error.code == "outcome-unknown")
        #expect(error.headers[.retryAfter] != nil)
        #expect(error.message.contains("may or may not have been published"))
        #expect(error.message.contains("Idempotency-Key"))
        #expect(!error.message.contains("nothing was published"))
    }

    @Test func aBackendErrorIsAServerError() {
        let error = APIError.bus(BusError(.backend, "ERR unknown command"), .publish)
        #expect(error.status == .internalServerError)
        #expect(error.code == "bus-error")
        #expect(error.headers[.retryAfter] == nil)
    }

    @Test func controlRequestsStateTheirOwnOutcome() {
        let close = APIError.bus(BusError(.outcomeUnknown, "timeout"), .closeUser)
        #expect(close.code == "outcome-unknown")
        #expect(close.message.contains("sending it again is harmless"))
        let presence = APIError.bus(BusError(.unavailable, "down"), .readPresence)
        #expect(presence.code == "unavailable")
        #expect(presence.message.contains("presence is unknown"))
    }
}
