import ChorusCore
import Logging

/// Reads the history stream for replay and gap filling, page by page, through the command
/// connection. The completeness rule is documented on ``HistoryScripts``.
struct RedisHistory: Sendable {
    let pipeline: RedisPipeline
    let configuration: RedisConfiguration
    let logger: Logger
    /// Entries per `XRANGE` page.
    var pageSize = 1000

    /// At most `limit` of the retained events after `id`, and whether nothing after `id` is lost.
    func replay(after id: EventID, limit: Int) async throws(BusError) -> Replay {
        var reader = ReplayReader(after: id, pageSize: pageSize, limit: limit)
        while case .after(let start) = reader.next {
            reader.add(try page(await pipeline.execute(command(from: start, count: reader.nextCount))))
        }
        return reader.result
    }

    /// ``replay(after:)`` for the bus's own threads; `nil` reads from the stream's beginning.
    func replayBlocking(after id: EventID?) throws(BusError) -> Replay {
        var reader = ReplayReader(after: id, pageSize: pageSize)
        while case .after(let start) = reader.next {
            reader.add(try page(pipeline.executeBlocking(command(from: start, count: reader.nextCount))))
        }
        return reader.result
    }

    /// The id of the newest event in the history, `nil` if there is no history yet.
    func lastIDBlocking() throws(BusError) -> EventID? {
        try lastID(from: pipeline.executeBlocking(lastIDCommand))
    }

    /// ``lastIDBlocking()`` for async callers: the bus's stream position.
    func lastID() async throws(BusError) -> EventID? {
        try lastID(from: await pipeline.execute(lastIDCommand))
    }

    private var lastIDCommand: RedisCommand {
        .plain(["XREVRANGE", configuration.historyKey, "+", "-", "COUNT", "1"].map(RedisConnection.bytes))
    }

    private func lastID(from reply: RedisReply) throws(BusError) -> EventID? {
        if let message = reply.errorMessage { throw BusError(.backend, "redis refused to read the history: \(message)") }
        guard let entries = reply.array else { throw BusError(.backend, "unexpected reply to XREVRANGE: \(reply)") }
        return entries.first?.array?.first?.text.flatMap(EventID.init)
    }

    private func command(from start: EventID?, count: Int) -> RedisCommand {
        let startText = start.map { "(\($0)" } ?? "-"
        return .script(HistoryScripts.read, keys: configuration.historyScriptKeys, arguments: [Array(startText.utf8), Array(String(count).utf8)])
    }

    private func page(_ reply: RedisReply) throws(BusError) -> HistoryPage {
        if let message = reply.errorMessage { throw BusError(.backend, "redis refused to read the history: \(message)") }
        guard let parts = reply.array, parts.count == 3, let entries = parts[1].array else {
            throw BusError(.backend, "unexpected reply from the history script: \(reply)")
        }
        var page = HistoryPage(floor: parts[0].text.flatMap(EventID.init), count: entries.count, latestID: parts[2].text.flatMap(EventID.init))
        page.events.reserveCapacity(entries.count)
        for entry in entries {
            guard let pair = entry.array, pair.count == 2, let id = pair[0].text.flatMap(EventID.init) else {
                throw BusError(.backend, "unexpected entry in the history stream \(configuration.historyKey): \(entry)")
            }
            if page.firstID == nil { page.firstID = id }
            page.lastID = id
            let fields = pair[1].array ?? []
            let json = stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0].text == "d" }.flatMap { fields[$0 + 1].bytes }
            do {
                guard let json else { throw WireFormatError("no field 'd'") }
                page.events.append(try WireFormat.decodeEnvelope(json, id: id))
            } catch {
                logger.warning("skipping a history entry that is not a chorus event", metadata: ["chorus.id": "\(id)", "chorus.error": "\(error)"])
            }
        }
        return page
    }
}

/// One page of the history, read together with the floor.
struct HistoryPage: Sendable, Hashable {
    /// The floor (or the first entry if there is no floor key); `nil` if there is no stream.
    var floor: EventID?
    /// How many entries the page had (including any that could not be decoded).
    var count: Int
    /// The newest entry in the stream when the page was read.
    var latestID: EventID?
    var firstID: EventID?
    var lastID: EventID?
    var events: [Envelope] = []
}

/// Puts pages together into a ``Replay`` and decides completeness (see ``HistoryScripts``).
struct ReplayReader: Sendable {
    /// Where the next page starts: after an id, or (`nil`) at the stream's beginning.
    enum Start: Sendable, Hashable {
        case after(EventID?)
        case done
    }

    private var start: Start
    private let pageSize: Int
    /// How many entries may still be read.
    private var remaining: Int
    private var events: [Envelope] = []
    private var isComplete = true
    private var latestID: EventID?

    /// Reads at most `limit` entries after `id`; `nil` reads from the stream's beginning.
    init(after id: EventID?, pageSize: Int, limit: Int = .max) {
        start = limit > 0 ? .after(id) : .done
        self.pageSize = pageSize
        remaining = max(0, limit)
    }

    /// Where the next page starts, or ``Start/done`` when everything was read.
    var next: Start { start }

    /// How many entries to ask for in the next page.
    var nextCount: Int { min(pageSize, remaining) }

    /// The events and completeness so far.
    var result: Replay { Replay(events: events, isComplete: isComplete, latestID: latestID) }

    /// Adds the page read at ``next``.
    mutating func add(_ page: HistoryPage) {
        guard case .after(let current) = start else { return }
        if latestID == nil { latestID = page.latestID }
        if !Self.isComplete(after: current, page: page) { isComplete = false }
        if let current, let latest = page.latestID, current > latest {
            // Newer than every event: never issued by this history. Nothing to give but a reset.
            isComplete = false
            start = .done
            return
        }
        events.append(contentsOf: page.events)
        remaining -= page.count
        start = page.count < pageSize || remaining <= 0 ? .done : .after(page.lastID)
    }

    /// Whether nothing after `id` (or, for `nil`, nothing at all) was lost, judging by the floor
    /// read with the page after it.
    static func isComplete(after id: EventID?, page: HistoryPage) -> Bool {
        guard let id else {
            // From the beginning: complete if there is no stream, or nothing was ever trimmed
            // (the floor is still the first entry).
            guard let floor = page.floor else { return true }
            guard let first = page.firstID else { return false }
            return floor >= first
        }
        guard let floor = page.floor else { return false }  // issued by a stream that is gone
        return id >= floor
    }
}
