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

    @Option(help: "The node's base URL, http(s)://host[:port][/prefix/] (a proxy may serve it under a path). [CHORUS_URL, default http://127.0.0.1:8080]")
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
        let baseURL: BaseURL
        do {
            baseURL = try BaseURL(flagOrVariable(url, "CHORUS_URL") ?? "http://127.0.0.1:8080")
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
        // Waits as before: Retry-After, or 0.5 s doubling up to 8 s, without jitter (one publisher).
        let options = ChorusClient.Options(
            publisherKey: flagOrVariable(self.key, "CHORUS_PUBLISHER_KEY"),
            retry: RetryPolicy(maximumAttempts: retries + 1, jitter: false),
            onRetry: { attempt in
                FileHandle.standardError.write(Data("chorus publish: \(attempt.error); retrying in \(attempt.delay) with idempotency key \(attempt.idempotencyKey ?? "-")\n".utf8))
            }
        )
        do {
            // Without --idempotency-key the client makes up a key, the same for every retry, so
            // that our own retries cannot publish twice.
            let ids = try await ChorusClient.withClient(baseURL: baseURL, options: options) { client in
                try await client.publish([envelope], idempotencyKey: idempotencyKey)
            }
            print(ids.map(\.description).joined(separator: "\n"))
        } catch {
            FileHandle.standardError.write(Data("chorus publish: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
