/// A Lua script run with `EVALSHA`, falling back to `EVAL` when Redis answers `NOSCRIPT` (after a
/// restart, a failover or `SCRIPT FLUSH`).
struct RedisScript: Sendable, Hashable {
    /// A short name for logs.
    let name: String
    /// The Lua source.
    let source: String
}

/// The scripts that keep the history stream and the channel consistent.
///
/// **The history and its floor.** Events live in the stream `<prefix>:history` (field `d` holds
/// the wire JSON; the entry id is the event id). Beside it, the string `<prefix>:history:floor`
/// holds the *floor*: every event with an id above the floor that was ever published is still in
/// the stream. When the stream is created the floor is its first id; when the script trims old
/// entries the floor becomes the id of the newest entry it removed.
///
/// Why a key of our own: Redis 7.0 does not say what trimming removed. Measured on 7.0.15:
/// after `XADD … MAXLEN ~ n` or `XTRIM … MAXLEN n`, `XINFO STREAM` still reports
/// `max-deleted-entry-id 0-0` (only `XDEL` moves it), and `recorded-first-entry-id` is simply the
/// current first entry; `entries-added` minus `length` counts the removed entries but not their
/// ids. So the script trims by itself, exactly, and records the last id it removed. Trimming
/// waits until the stream is `slack` entries over capacity, which keeps it cheap (one short
/// `XRANGE` and one `XTRIM` every `slack` events), like `MAXLEN ~`.
///
/// **Replay is complete** after `id` exactly when no event above `id` was removed:
/// complete iff `id >= floor`. An id below the floor either was trimmed with later events, or
/// comes from before the stream began (Redis flushed or restarted without persistence, another
/// deployment, or `.zero`): in both cases the client may have missed events, as with
/// `InMemoryBus`, whose floor is its start. With no stream at all every id is from a stream that
/// is gone: incomplete.
///
/// Internally the subscriber may also read "from the stream's beginning" (when there was no
/// stream yet as it started): complete iff there is no stream, or nothing was ever trimmed (the
/// floor is still the first entry).
///
/// The floor and each page of entries are read in one script, so paging while others publish
/// cannot hide a trim between pages.
enum HistoryScripts {
    /// `KEYS`: stream, floor, and optionally the idempotency key. `ARGV`: channel, capacity,
    /// slack, idempotency window (ms), then one wire JSON per event.
    /// Appends the events, publishes each as `e <id> <json>`, trims, and returns the ids in order.
    ///
    /// **Idempotency.** With a third key, the script first reads it: if it holds a record
    /// (`<sha1 of the events> <id> <id> …`) with the same fingerprint, it returns those ids and
    /// writes nothing; with another fingerprint it answers the error `CHORUSKEYREUSED` and writes
    /// nothing. Otherwise it publishes and stores the record with `PX window`, in the same script:
    /// a publish and its key are remembered together or not at all.
    static let publish = RedisScript(name: "chorus-publish", source: """
        local stream, floorKey, idemKey = KEYS[1], KEYS[2], KEYS[3]
        local channel, capacity, slack, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local first = 5
        local fingerprint
        if idemKey then
          local parts = {}
          for i = first, #ARGV do parts[#parts + 1] = #ARGV[i] .. ':' .. ARGV[i] end
          fingerprint = redis.sha1hex(table.concat(parts))
          local seen = redis.call('GET', idemKey)
          if seen then
            local stored, ids = nil, {}
            for word in string.gmatch(seen, '%S+') do
              if stored == nil then stored = word else ids[#ids + 1] = word end
            end
            if stored ~= fingerprint then
              return redis.error_reply('CHORUSKEYREUSED the idempotency key was used for different events')
            end
            return ids
          end
        end
        local fresh = redis.call('EXISTS', floorKey) == 0
        local ids = {}
        for i = first, #ARGV do
          local id = redis.call('XADD', stream, '*', 'd', ARGV[i])
          redis.call('PUBLISH', channel, 'e ' .. id .. ' ' .. ARGV[i])
          ids[#ids + 1] = id
        end
        if idemKey then
          redis.call('SET', idemKey, fingerprint .. ' ' .. table.concat(ids, ' '), 'PX', window)
        end
        if fresh then
          redis.call('SET', floorKey, redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1])
        end
        local length = redis.call('XLEN', stream)
        local excess = math.min(length - capacity, 10 * slack + #ids)
        if excess >= slack then
          local doomed = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
          redis.call('XTRIM', stream, 'MAXLEN', length - #doomed)
          redis.call('SET', floorKey, doomed[#doomed][1])
        end
        return ids
        """)

    /// `KEYS`: stream, floor. `ARGV`: start (`-` or `(<id>`), count.
    /// Returns `{floor, entries, latest}`: the floor (or, without a floor key, the first entry's
    /// id; nil when there is no stream), up to `count` entries after the start, and the newest
    /// entry's id (nil when there is none), so an id newer than every event is recognised.
    static let read = RedisScript(name: "chorus-read", source: """
        local floor = redis.call('GET', KEYS[2])
        if not floor then
          local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
          if #first > 0 then floor = first[1][1] end
        end
        local latest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        if #latest > 0 then latest = latest[1][1] else latest = false end
        return {floor, redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2]), latest}
        """)

    /// The most entries one call of ``trim`` removes.
    static let trimStep = 10_000

    /// `KEYS`: stream, floor. `ARGV`: capacity. Trims the stream down to `capacity` entries (at
    /// most ``trimStep`` per call), records the floor, and returns how many it removed. Runs
    /// even while Redis is out of memory: `XTRIM` frees memory and is allowed then, and once a
    /// script has written, Redis lets it finish.
    static let trim = RedisScript(name: "chorus-trim", source: """
        local stream, floorKey = KEYS[1], KEYS[2]
        local length = redis.call('XLEN', stream)
        local excess = math.min(length - tonumber(ARGV[1]), \(trimStep))
        if excess <= 0 then return 0 end
        local doomed = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
        redis.call('XTRIM', stream, 'MAXLEN', length - #doomed)
        redis.call('SET', floorKey, doomed[#doomed][1])
        return #doomed
        """)

    /// Every script, loaded with `SCRIPT LOAD` on each new connection.
    static let all = [publish, read, trim]
}
