import ChorusClient
import ChorusCore
import ChorusTesting
import Foundation
import Testing

/// `chorus serve` as an operator runs it: JSON logs a collector can parse, and `--check`.
@Suite("chorus serve: logs and --check", .serialized)
struct ServeCommandTests {
    /// Runs `chorus serve --check …` and waits for it to exit (bounded).
    func check(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32?, output: String) {
        let process = try ChildProcess(executable: try NodeProcess.binary(), arguments: ["serve", "--check"] + arguments, environment: environment)
        _ = await eventually(timeout: .seconds(30)) { !process.isRunning }
        if process.isRunning { await process.kill9() }
        return (process.terminationStatus, process.output)
    }

    @Test("--log-format json: every line is one JSON object with the metadata keys as fields")
    func jsonLogs() async throws {
        let node = try await NodeProcess.start(["--log-format", "json"], nodeID: "json-node", publisherKey: LocalCluster.publisherKey)
        let subscriber = try await node.subscribe(["logs"])
        _ = try await node.client.publish([Envelope(scope: "logs", data: "hello")])
        _ = await subscriber.waitFor(count: 1)
        subscriber.close()
        _ = try await node.anonymousClient.send(.POST, "/publish", headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
        _ = await eventually(timeout: .seconds(10)) { node.process.output.contains("\"stream ended\"") }
        let status = await node.stop()
        #expect(status == 0)

        let lines = node.process.output.split(separator: "\n").filter { !$0.isEmpty }
        var objects: [[String: Any]] = []
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let object { objects.append(object) }
        }
        for object in objects {
            for field in ["timestamp", "level", "label", "message"] { #expect(object[field] is String, "\(field) missing in \(object)") }
        }
        #expect(objects.contains { ($0["message"] as? String)?.contains("listening on") == true && $0["chorus.node"] as? String == "json-node" })
        let publish = objects.first { $0["message"] as? String == "request" && $0["chorus.path"] as? String == "/publish" && $0["chorus.status"] as? String == "202" }
        #expect(publish?["chorus.method"] as? String == "POST")
        #expect((publish?["chorus.duration_ms"] as? String).flatMap(Double.init) != nil)
        #expect(objects.contains { $0["message"] as? String == "request" && $0["chorus.status"] as? String == "401" })
        let ended = objects.first { $0["message"] as? String == "stream ended" }
        #expect(ended?["chorus.reason"] as? String == "client-gone")
        #expect(ended?["chorus.conn"] is String)
        #expect((ended?["chorus.duration_ms"] as? String).flatMap(Double.init) != nil)
        // The stream's `retry:` line and its one event; heartbeats are not counted.
        #expect(ended?["chorus.frames"] as? String == "2")
    }

    @Test("--check prints the effective configuration with secrets redacted, and exits")
    func checkPrintsConfiguration() async throws {
        let folder = NSTemporaryDirectory() + "chorus-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let secret = "check-secret-" + String(repeating: "s", count: 32)
        try secret.write(toFile: folder + "/token", atomically: true, encoding: .utf8)
        try "heartbeat: 4s\nhistory: 77\n".write(toFile: folder + "/chorus.yaml", atomically: true, encoding: .utf8)
        let good = try await check(["--config", folder + "/chorus.yaml", "--port", "9999"], environment: ["CHORUS_TOKEN_SECRET_FILE": folder + "/token"])
        #expect(good.status == 0, "\(good.output)")
        #expect(good.output.contains("heartbeat"))
        #expect(good.output.contains("4s  ('heartbeat' in \(folder)/chorus.yaml)"))
        #expect(good.output.contains("9999  (--port)"))
        #expect(good.output.contains("<redacted>  (the file \(folder)/token)"))
        #expect(!good.output.contains(secret))
        #expect(!good.output.contains("listening"), "--check must not start the node")

        try "history: many\n".write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try await check(["--config", folder + "/bad.yaml"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("'many' for history from 'history' in \(folder)/bad.yaml"), "\(bad.output)")
    }
}
