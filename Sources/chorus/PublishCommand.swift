import ArgumentParser
import ChorusClient
import ChorusCore
import Foundation

/// `chorus publish`: send one event to a node, for people and scripts.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish one event to a node and print its id."
    )

    @Option(help: "The node's base URL. [CHORUS_URL, default http://127.0.0.1:8080]")
    var url: String?

    @Option(help: "A publisher key of the node (sent as Authorization: Bearer). Not needed for a node in development mode on this machine. [CHORUS_PUBLISHER_KEY]")
    var key: String?

    @Option(help: "The scope to publish to (required).")
    var scope: String

    @Option(help: "The SSE event name (default: the browser's 'message').")
    var event: String?

    @Option(help: "The payload text; '-' reads it from standard input.")
    var data: String = ""

    @Option(help: "The session/tab id that caused the event; that tab does not get it back.")
    var origin: String?

    @Option(help: "A user id allowed to receive it; repeat for several. Without it, every subscriber of the scope may.")
    var audience: [String] = []

    @Option(help: "A changed context path, for reactive blocks; repeat for several.")
    var path: [String] = []

    @Option(name: .customLong("idempotency-key"), help: "Sent as Idempotency-Key: within the node's idempotency window, a publish with this key publishes at most once (1-255 visible ASCII characters). Default: a random key, used for every retry of this command.")
    var idempotencyKey: String?

    @Option(help: "How many times to retry after a 503 or a failed connection, with the same idempotency key (waits Retry-After, or 0.5 s doubling up to 8 s).")
    var retries: Int = 4

    func run() async throws {
        let base = flagOrVariable(url, "CHORUS_URL") ?? "http://127.0.0.1:8080"
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(url: base)
        } catch {
            throw ValidationError("--url: \(error.message)")
        }
        var payload = data
        if data == "-" {
            payload = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        let envelope = Envelope(scope: scope, event: event, data: payload, paths: path, origin: origin, audience: audience.isEmpty ? nil : Set(audience))
        if let idempotencyKey, let problem = IdempotencyKey.problem(idempotencyKey) {
            throw ValidationError("--idempotency-key: \(problem)")
        }
        guard (0...100).contains(retries) else { throw ValidationError("--retries must be between 0 and 100") }
        // A key of our own even when none was given, so that our own retries cannot publish twice.
        let key = idempotencyKey ?? IdempotencyKey.random()
        let client = ChorusHTTPClient(endpoint: endpoint, bearerToken: flagOrVariable(self.key, "CHORUS_PUBLISHER_KEY"))
        var delay = Duration.milliseconds(500)
        for attempt in 0...retries {
            do {
                let ids = try await client.publish([envelope], idempotencyKey: key)
                print(ids.map(\.description).joined(separator: "\n"))
                return
            } catch let error as ChorusClientError where attempt < retries && (error.status == nil || error.status == 503) {
                let wait = error.retryAfterSeconds.map { Duration.seconds(min(max($0, 0), 30)) } ?? delay
                FileHandle.standardError.write(Data("chorus publish: \(error); retrying in \(wait) with idempotency key \(key)\n".utf8))
                try await Task.sleep(for: wait)
                delay = min(delay * 2, .seconds(8))
            } catch {
                FileHandle.standardError.write(Data("chorus publish: \(error)\n".utf8))
                throw ExitCode.failure
            }
        }
    }
}
