import ChorusClient
import ChorusCore
import ChorusTesting
import Foundation
import Synchronization
import Testing

/// SIGTERM on a node with open streams, as in a rolling deploy: it drains instead of dropping
/// every client in the same second.
@Suite("Rolling deploys: drain on SIGTERM", .serialized)
struct RollingDeployTests {
    static let closeEvent = #"{"reason":"shutdown","reconnect":true}"#

    @Test("SIGTERM: not ready at once, streams closed spread over the window, every client resumes on the other node missing nothing, the node exits")
    func drainSpreadsClosesAndClientsResume() async throws {
        let delay = 1.0, window = 4.0, streams = 200
        try await withLocalCluster(nodes: 2, arguments: ["--drain-delay", "1s", "--drain-window", "4s"]) { cluster in
        let (draining, other) = (cluster.nodes[0], cluster.nodes[1])

        var clients = try (0..<streams).map { _ in try SSEClient(port: draining.port) }
        #expect(await eventually { await connectionCount(draining) == streams })

        // Events published on the other node all along, until every client has resumed there.
        let published = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let publisher = Task {
            var index = 0
            while !stop.load(ordering: .relaxed) {
                let ids = try await other.client.publish([Envelope(scope: "drain", data: "\(index)")])
                published.withLock { $0 += ids.map(\.description) }
                index += 1
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // Every client has an event to resume after before the drain starts.
        #expect(await poll(&clients, until: .seconds(10)) { $0.allSatisfy { !$0.ids.isEmpty } })

        let signalled = ContinuousClock.now
        draining.process.signal(SIGTERM)
        // Polled for a while (well within the delay): every request sent 100 ms or more after
        // the signal is answered 503. (Timed by when a request was sent, so a busy test machine
        // that sends it late cannot make the node look slow.)
        var answers: [ReadinessAnswer] = []
        while ContinuousClock.now - signalled < .milliseconds(500) {
            let sentAfter = ContinuousClock.now - signalled
            let status = (try? await draining.client.send(.GET, "/readyz").status) ?? 0
            answers.append(ReadinessAnswer(sentAfter: sentAfter, status: status))
        }
        var stillReady: [ReadinessAnswer] = []
        for answer in answers where answer.sentAfter >= .milliseconds(100) && answer.status != 503 {
            stillReady.append(answer)
        }
        let notReady = answers.filter { $0.status == 503 }.count
        #expect(notReady > 0)
        #expect(stillReady.isEmpty, "readyz after SIGTERM: \(answers)")
        let refused = try await draining.anonymousClient.send(.GET, "/events?scope=drain")
        #expect(refused.status == 503)
        #expect(refused.headers["Retry-After"].first.flatMap { Int($0) } != nil)
        #expect(try JSONParser.parse(refused.body)["error"]?["code"] == .string("unavailable"))

        // Each client, told to go, reconnects to the other node with Last-Event-ID.
        var exitedAfter: Duration?
        _ = await poll(&clients, until: .seconds(delay + window + 10), resumingOn: other.port) { clients in
            if exitedAfter == nil, !draining.process.isRunning { exitedAfter = ContinuousClock.now - signalled }
            return exitedAfter != nil && clients.allSatisfy(\.resumed)
        }
        stop.store(true, ordering: .relaxed)
        try await publisher.value
        let ids = published.withLock { $0 }
        #expect(await poll(&clients, until: .seconds(15)) { $0.allSatisfy { $0.ids.last == ids.last } })

        let exited = try #require(exitedAfter, "the draining node did not exit")
        #expect(exited < .seconds(delay + window + 3))
        #expect(draining.process.terminationStatus == 0)
        #expect(clients.allSatisfy { $0.closeData == Self.closeEvent }, "every stream gets the shutdown close event")
        #expect(clients.allSatisfy { !$0.endedWithoutClose })
        // Closes start after the delay and are spread over the window: no second holds much more
        // than its fair share (an all-at-once close puts every stream in one second).
        let offsets = clients.compactMap { $0.closedAt.map { ($0 - signalled) / .seconds(1) - delay } }
        #expect(offsets.count == streams)
        #expect(offsets.allSatisfy { $0 > -delay / 2 })
        var buckets: [Int: Int] = [:]
        for offset in offsets { buckets[Int(max(0, offset).rounded(.down)), default: 0] += 1 }
        let fairShare = Double(streams) / window
        #expect(buckets.values.allSatisfy { Double($0) <= fairShare * 1.3 + 10 }, "closes per second: \(buckets.sorted { $0.key < $1.key })")
        // Nothing missed, nothing twice, in order: exactly what was published.
        let complete = clients.filter { $0.ids == ids }.count
        #expect(complete == streams, "\(streams - complete) clients did not get exactly the \(ids.count) published events")
        }
    }

    @Test("a second SIGTERM or SIGINT during the drain closes the remaining streams and exits at once", arguments: [SIGTERM, SIGINT])
    func secondSignalExitsAtOnce(second: Int32) async throws {
        let node = try await NodeProcess.start(["--drain-delay", "1s", "--drain-window", "30s"])
        var clients = try (0..<20).map { _ in try SSEClient(port: node.port) }
        #expect(await eventually { await connectionCount(node) == 20 })
        node.process.signal(SIGTERM)
        #expect(await eventually { (try? await node.client.send(.GET, "/readyz").status) == 503 })
        // The window has begun: the first stream got its close event.
        #expect(await poll(&clients, until: .seconds(10)) { $0.contains { $0.closeData != nil } })

        node.process.signal(second)
        let signalled = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(20)) { !node.process.isRunning })
        #expect(ContinuousClock.now - signalled < .seconds(5), "the node kept draining after a second signal")
        _ = await poll(&clients, until: .seconds(2)) { $0.allSatisfy { $0.closeData != nil } }
        #expect(clients.allSatisfy { $0.closeData == Self.closeEvent })
        await node.stop()
    }
}

/// One `/readyz` request after SIGTERM: when it was sent, what it got.
private struct ReadinessAnswer: CustomStringConvertible {
    var sentAfter: Duration
    var status: Int
    var description: String { "\(status) at +\(sentAfter)" }
}

/// How many streams `node` holds, from `/healthz`.
private func connectionCount(_ node: NodeProcess) async -> Int? {
    guard let result = try? await node.client.send(.GET, "/healthz"), let json = try? JSONParser.parse(result.body),
          case .number(let text)? = json["connections"] else { return nil }
    return Int(text)
}

/// Reads every client until `condition` holds or `timeout` passes; with `resumingOn`, a client
/// whose stream was closed reconnects to that port with `Last-Event-ID`.
private func poll(
    _ clients: inout [SSEClient], until timeout: Duration, resumingOn port: Int? = nil, _ condition: ([SSEClient]) -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        for client in clients {
            client.read()
            if let port, client.streamEnded, !client.resumed { try? client.resume(on: port) }
        }
        if condition(clients) { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition(clients)
}

/// One SSE client on a raw socket (hundreds are cheap): the ids it got, across a reconnect, and
/// when and how its first stream was closed.
private final class SSEClient {
    private var connection: RawConnection
    private var pending: [UInt8] = []
    private var inCloseEvent = false
    /// Every event id received, on both streams.
    var ids: [String] = []
    /// The close event's data on the first stream.
    var closeData: String?
    /// When the close event arrived.
    var closedAt: ContinuousClock.Instant?
    /// The first stream ended without a close event.
    var endedWithoutClose = false
    /// Reconnected to the other node.
    var resumed = false
    /// The first stream is over (close event received, or the connection ended).
    var streamEnded: Bool { closeData != nil || endedWithoutClose }

    init(port: Int) throws {
        connection = try Self.open(port: port, lastEventID: nil)
    }

    private static func open(port: Int, lastEventID: String?) throws -> RawConnection {
        let connection = try RawConnection(port: port)
        let resume = lastEventID.map { "Last-Event-ID: \($0)\r\n" } ?? ""
        connection.write("GET /events?scope=drain HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\(resume)\r\n")
        return connection
    }

    func resume(on port: Int) throws {
        resumed = true
        inCloseEvent = false
        pending = []
        connection = try Self.open(port: port, lastEventID: ids.last)
    }

    /// Takes what arrived and parses its complete lines (chunk framing lines never look like SSE fields).
    func read() {
        let (bytes, ending) = connection.readAvailable()
        pending += bytes
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasPrefix("id: ") {
                ids.append(String(line.dropFirst(4)))
            } else if line == "event: close" {
                inCloseEvent = true
            } else if inCloseEvent, line.hasPrefix("data: "), !resumed {
                closeData = String(line.dropFirst(6))
                closedAt = ContinuousClock.now
            }
        }
        if ending != .open, !resumed, closeData == nil { endedWithoutClose = true }
    }
}
