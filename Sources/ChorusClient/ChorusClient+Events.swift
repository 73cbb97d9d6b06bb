import AsyncHTTPClient
import ChorusCore
import NIOCore
import NIOHTTP1

extension ChorusClient {
    /// Opens `GET /events` for `scopes` and returns its events as they arrive.
    ///
    /// - Parameters:
    ///   - scopes: the scopes to subscribe to (at least one).
    ///   - lastEventID: resume after this id (sent as `Last-Event-ID`): the node replays what
    ///     came after it, or sends a `reset` event when that is no longer in its history.
    ///   - session: the per-tab session id (`session=`); events with this origin are not sent back.
    ///   - token: a subscriber token (sent as `Authorization: Bearer …`), for a node that checks them.
    ///   - presence: ask for presence `join`/`leave` events of the scopes too.
    ///
    /// Opening is retried like any request; once open, the stream is not reconnected: when it
    /// ends (the sequence finishes or throws), open another with ``ChorusEventStream/lastEventID``.
    /// Throws ``ChorusError/Code/refused`` when the node refuses the subscription (`401`, `403`, …).
    public func events(
        scopes: [String],
        lastEventID: String? = nil,
        session: String? = nil,
        token: String? = nil,
        presence: Bool = false
    ) async throws -> ChorusEventStream {
        guard !scopes.isEmpty else { throw ChorusError(.invalidArgument, message: "no scope to subscribe to") }
        var query = scopes.map { "scope=\(PercentEncoding.encode($0))" }
        if let session { query.append("session=\(PercentEncoding.encode(session))") }
        if presence { query.append("presence=1") }
        var request = HTTPClientRequest(url: baseURL.url("/events?" + query.joined(separator: "&")))
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let lastEventID, !lastEventID.isEmpty { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        return try await withRetries("events", idempotencyKey: nil) {
            let response = try await execute(request)
            guard response.status.code == 200 else {
                let body = (try? await response.body.collect(upTo: 64 << 10)).map { Array(buffer: $0) } ?? []
                throw Self.refusal(status: Int(response.status.code), headers: response.headers, body: body)
            }
            return ChorusEventStream(response: response, startingAfter: lastEventID ?? "", host: baseURL.authority)
        }
    }
}
