import Synchronization
import Histogram
import NIOCore

/// Publishes the run's events over several keep-alive connections, paced by a target rate
/// (each event has a due time `start + sequence / rate`, so a late publisher catches up) or as
/// fast as the server answers.
struct Publisher {
    let options: BenchOptions
    let connections: [PublishConnection]
    let progress: ProgressCounters

    /// What the publishers did.
    struct Outcome: Sendable {
        /// Accepted events per scope index.
        var acceptedPerScope: [Int]
        var accepted = 0
        var errors: [String: Int] = [:]
        var requestTime = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)

        mutating func merge(_ other: Outcome) {
            for index in acceptedPerScope.indices { acceptedPerScope[index] += other.acceptedPerScope[index] }
            accepted += other.accepted
            for (reason, count) in other.errors { errors[reason, default: 0] += count }
            requestTime.add(other.requestTime)
        }
    }

    /// Publishes until all events are out or the time limit passes.
    func run(startNanos: UInt64) async -> Outcome {
        let deadline = startNanos + UInt64(options.publishTimeLimit * 1e9)
        return await withTaskGroup(of: Outcome.self) { group in
            for connection in connections {
                for _ in 0..<options.pipelineDepth {
                    group.addTask { await publishLoop(connection, start: startNanos, deadline: deadline) }
                }
            }
            var total = Outcome(acceptedPerScope: Array(repeating: 0, count: options.scopes))
            for await outcome in group { total.merge(outcome) }
            return total
        }
    }

    private func publishLoop(_ connection: PublishConnection, start: UInt64, deadline: UInt64) async -> Outcome {
        var outcome = Outcome(acceptedPerScope: Array(repeating: 0, count: options.scopes))
        let scopeNames = (0..<options.scopes).map { options.scopeName($0) }
        let jsonPrefixes = scopeNames.map { Array(#"{"scope":"\#($0)","data":""#.utf8) }
        let paths = scopeNames.map { connection.url.path(scope: $0) }
        let contentType = options.publishFormat == .chorusJSON ? "application/json" : "text/plain"
        while true {
            let sequence = progress.nextSequence.add(1, ordering: .relaxed).oldValue
            guard sequence < options.events else { break }
            if let rate = options.rate {
                let due = start + UInt64(Double(sequence) * 1e9 / rate)
                let now = benchMonotonicNanos()
                if due > now { try? await Task.sleep(nanoseconds: due - now) }
            }
            guard benchMonotonicNanos() < deadline else { break }
            let scope = sequence % options.scopes
            let sent = benchWallNanos()
            let data = stampedData(sentNanos: sent, sequence: sequence, payloadBytes: options.payloadBytes)
            var body = ByteBuffer()
            switch options.publishFormat {
            case .chorusJSON:
                body.reserveCapacity(data.count + jsonPrefixes[scope].count + 2)
                body.writeBytes(jsonPrefixes[scope])
                body.writeBytes(data)
                body.writeString(#""}"#)
            case .raw:
                body.writeBytes(data)
            }
            let began = benchMonotonicNanos()
            do {
                let status = try await connection.send(path: paths[scope], body: body, contentType: contentType, headers: options.publishHeaders)
                if (200..<300).contains(status) {
                    outcome.acceptedPerScope[scope] += 1
                    outcome.accepted += 1
                    progress.published.add(1, ordering: .relaxed)
                } else {
                    outcome.errors["HTTP \(status)", default: 0] += 1
                    progress.publishErrors.add(1, ordering: .relaxed)
                }
            } catch {
                outcome.errors["\(error)", default: 0] += 1
                progress.publishErrors.add(1, ordering: .relaxed)
            }
            outcome.requestTime.record((benchMonotonicNanos() - began) / 1000)
        }
        return outcome
    }
}
