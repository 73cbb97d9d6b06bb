import ChorusCore
import ChorusRedis

/// The demo's data in Redis, beside the bus's own keys, so every node of a cluster shows the same
/// document: a hash `<prefix>:demo:doc` (title, body, version) and a list of JSON notes per user
/// (`<prefix>:demo:notes:<user>`). Edits are one Lua script, so concurrent edits on different
/// nodes each bump the version once.
public struct RedisDemoStore: DemoStore {
    private let bus: RedisBus
    private let documentKey: String
    private let notesPrefix: String

    /// A store using `bus`'s Redis connection and key prefix.
    public init(bus: RedisBus) {
        self.bus = bus
        documentKey = "\(bus.keyPrefix):demo:doc"
        notesPrefix = "\(bus.keyPrefix):demo:notes:"
    }

    /// Sets each field of the welcome document that is not there yet (a new Redis, or a fresh prefix).
    public func seed() async throws {
        let welcome = DemoDocument.welcome
        for (field, value) in [("title", welcome.title), ("body", welcome.body), ("version", String(welcome.version))] {
            try check(await bus.command(["HSETNX", documentKey, field, value]))
        }
    }

    public func document() async throws -> DemoDocument {
        try parse(await bus.command(["HMGET", documentKey, "title", "body", "version"]))
    }

    /// `ARGV` is field/value pairs; returns title, body, version and the changed fields.
    private static let editScript = """
        local changed = {}
        for i = 1, #ARGV, 2 do
          if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then
            redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
            changed[#changed + 1] = ARGV[i]
          end
        end
        if #changed > 0 then redis.call('HINCRBY', KEYS[1], 'version', 1) end
        local doc = redis.call('HMGET', KEYS[1], 'title', 'body', 'version')
        return {doc, changed}
        """

    public func edit(title: String?, body: String?) async throws -> DemoEdit {
        var command = ["EVAL", Self.editScript, "1", documentKey]
        if let title { command += ["title", title] }
        if let body { command += ["body", body] }
        let reply = try check(await bus.command(command))
        guard let parts = reply.array, parts.count == 2, let fields = parts[1].array else {
            throw DemoStoreError("unexpected reply to the edit script: \(reply)")
        }
        var changed = fields.compactMap(\.text).map { "doc.\($0)" }
        if !changed.isEmpty { changed.append("doc.version") }
        return DemoEdit(document: try parse(parts[0]), changedPaths: changed)
    }

    public func notes(for user: String) async throws -> [DemoNote] {
        let reply = try check(await bus.command(["LRANGE", notesPrefix + user, "0", "-1"]))
        return (reply.array ?? []).compactMap { item in
            guard let text = item.text, let json = try? JSONParser.parse(text),
                  case .string(let from)? = json["from"], case .string(let note)? = json["text"] else { return nil }
            return DemoNote(from: from, text: note)
        }
    }

    /// Appends `ARGV[1]` and keeps the last `ARGV[2]` notes: one round trip, and no reader ever
    /// sees the list over its limit.
    private static let addNoteScript = """
        redis.call('RPUSH', KEYS[1], ARGV[1])
        return redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
        """

    public func add(_ note: DemoNote, for user: String) async throws {
        let json = JSONValue.object([("from", .string(note.from)), ("text", .string(note.text))]).serialized
        try check(await bus.command(["EVAL", Self.addNoteScript, "1", notesPrefix + user, json, String(DemoLimits.notesKept)]))
    }

    @discardableResult
    private func check(_ reply: RedisReply) throws -> RedisReply {
        if let message = reply.errorMessage { throw DemoStoreError("redis refused a demo command: \(message)") }
        return reply
    }

    private func parse(_ reply: RedisReply) throws -> DemoDocument {
        guard let fields = reply.array, fields.count == 3 else {
            throw DemoStoreError("unexpected reply for the document: \(reply)")
        }
        let welcome = DemoDocument.welcome
        return DemoDocument(
            title: fields[0].text ?? welcome.title,
            body: fields[1].text ?? welcome.body,
            version: fields[2].text.flatMap { Int($0) } ?? welcome.version
        )
    }
}

/// The demo's store failed (an unexpected reply; Redis being down is a ``BusError``).
public struct DemoStoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
