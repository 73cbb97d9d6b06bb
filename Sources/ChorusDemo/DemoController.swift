import ChorusAuth
import ChorusCore
import ChorusReactive
import ChorusServer
import HTTPTypes
import Hummingbird

/// The demo's HTTP handlers.
struct DemoController: Sendable {
    let app: DemoApp

    /// `GET /?user=NAME`: the whole page for that user (a guest name is made up when none is given),
    /// with the stream position it was rendered at in `data-last-event-id` for chorus.js.
    func page(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        guard let name = request.uri.queryParameters.get("user").map { String($0) }, !name.isEmpty else {
            let guest = "guest-" + String(UInt32.random(in: 0 ... .max) % 10_000)
            return Response(status: .seeOther, headers: [.location: "/?user=\(guest)"])
        }
        let user = try DemoInput.user(name)
        let token = try await app.issuer.token(
            userID: user,
            scopes: [try ScopePattern(DemoApp.scope)],
            expiresAt: wallClockMilliseconds() + 12 * 3600 * 1000
        )
        // The stream position first, then the data: a change stored after this read is published
        // with a later id, so the page's stream replays it (no gap while the page loads).
        let position: EventID?
        do {
            position = try await app.bus.position()
        } catch {
            throw APIError.unavailable("the stream position is unavailable: \(error.message)", retryAfterSeconds: 1)
        }
        var data = try await DemoApp.context(store: app.store, bus: app.bus, user: user, presence: true)
        data["position"] = position?.description ?? ""
        data["stream"] = "/events?scope=\(PercentEncoding.encode(DemoApp.scope))&token=\(token)"
        data["assets"] = ["htmx": app.assets.htmx, "sse": app.assets.sse] as [String: any Sendable]
        data["node"] = app.nodeID
        data["heartbeat_timeout"] = Int(app.heartbeatTimeout / .milliseconds(1))
        let html = try app.blocks.templates.render(data, template: DemoPageTemplate.name)
        return Response(status: .ok, headers: PageHeaders.html([.cacheControl: "no-store"]), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `POST /demo/doc`: stores the edit and publishes the change with the tab as its origin.
    /// The response holds the changed blocks other than the editor's inputs, as out-of-band swaps.
    func edit(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let form = try await decode(EditForm.self, request, context: context)
        _ = try DemoInput.user(form.user)
        let title = try DemoInput.text(form.title, field: "title", limit: DemoLimits.titleLength)
        let body = try DemoInput.text(form.body, field: "body", limit: DemoLimits.bodyLength)
        let edit = try await app.store.edit(title: title, body: body)
        guard !edit.changedPaths.isEmpty else { return Response(status: .noContent) }
        let origin = request.headers[HTTPField.Name("X-Chorus-Session")!]
        _ = try await app.bus.publish([Envelope(scope: DemoApp.scope, paths: edit.changedPaths, origin: origin)])
        let rendered = await app.renderer.render(ReactiveChange(scope: DemoApp.scope, paths: edit.changedPaths))
        let html = rendered.events.filter { !DemoApp.inputBlocks.contains($0.event ?? "") }.map(\.data).joined(separator: "\n")
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `POST /demo/notes`: stores a note for its recipient and publishes a change only they get.
    func note(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let form = try await decode(NoteForm.self, request, context: context)
        let from = try DemoInput.user(form.user)
        let to = try DemoInput.user(form.to, field: "to")
        guard let text = try DemoInput.text(form.text, field: "note", limit: DemoLimits.noteLength), !text.isEmpty else {
            throw APIError.badRequest("empty-note", "the note is empty")
        }
        try await app.store.add(DemoNote(from: from, text: text), for: to)
        _ = try await app.bus.publish([Envelope(scope: DemoApp.scope, paths: ["me.notes"], audience: [to])])
        return Response(status: .noContent)
    }

    private func decode<Form: Decodable>(_ type: Form.Type, _ request: Request, context: ChorusRequestContext) async throws -> Form {
        let body = try await request.body.collect(upTo: DemoLimits.bodyLength * 4 + 4096)
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch {
            throw APIError.badRequest("invalid-form", "the form is not what this endpoint takes: \(error)")
        }
    }
}
