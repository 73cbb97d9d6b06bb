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

    func run() async throws {
        let settings = Settings()
        let base = settings.optionalString(url, variable: "CHORUS_URL") ?? "http://127.0.0.1:8080"
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
        let client = ChorusHTTPClient(endpoint: endpoint, bearerToken: settings.optionalString(key, variable: "CHORUS_PUBLISHER_KEY"))
        do {
            let ids = try await client.publish([envelope])
            print(ids.map(\.description).joined(separator: "\n"))
        } catch {
            FileHandle.standardError.write(Data("chorus publish: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
