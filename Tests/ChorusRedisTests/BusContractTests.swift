import ChorusCore
import ChorusTesting
import Testing

/// The shared bus contract, against the in-memory bus and against Redis (a real redis-server per
/// test).
@Suite("Bus contract")
struct BusContractTests {
    @Test(arguments: BusKind.allCases)
    func idempotentRetryReturnsTheOriginalIDs(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.idempotentRetryReturnsTheOriginalIDs($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func idempotencyKeysAreForgottenAfterTheWindow(_ kind: BusKind) async throws {
        try await withBuses(kind, idempotencyWindow: .seconds(2)) {
            try await BusContract.idempotencyKeysAreForgottenAfterTheWindow($0[0], window: .seconds(2))
        }
    }

    @Test(arguments: BusKind.allCases)
    func idsIncreaseInPublishOrder(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.idsIncreaseInPublishOrder($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func deliversEveryEnvelopeInOrder(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.deliversEveryEnvelopeInOrder($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func replayReturnsTheLaterEvents(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.replayReturnsTheLaterEvents($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func replayIsPaged(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.replayIsPaged($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func replayAfterAnIDFromTheFutureIsIncomplete(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.replayAfterAnIDFromTheFutureIsIncomplete($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func replayOlderThanTheHistoryIsIncomplete(_ kind: BusKind) async throws {
        try await withBuses(kind, historyCapacity: 5) {
            try await BusContract.replayOlderThanTheHistoryIsIncomplete($0[0], historyCapacity: 5)
        }
    }

    @Test(arguments: BusKind.allCases)
    func positionIsWhereAPageResumes(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.positionIsWhereAPageResumes($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func controlMessagesArrive(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.controlMessagesArrive($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func presenceListsAndAnnounces(_ kind: BusKind) async throws {
        try await withBuses(kind) { try await BusContract.presenceListsAndAnnounces($0[0]) }
    }

    @Test(arguments: BusKind.allCases)
    func concurrentPublishersShareOneOrder(_ kind: BusKind) async throws {
        try await withBuses(kind, nodes: 2) { try await BusContract.concurrentPublishersShareOneOrder($0) }
    }
}
