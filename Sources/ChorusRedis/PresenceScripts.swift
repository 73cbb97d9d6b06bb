extension RedisScript {
    /// Every script, loaded with `SCRIPT LOAD` on each new connection.
    static let all = HistoryScripts.all + PresenceScripts.all
}

/// The scripts behind cluster-wide presence and node liveness.
///
/// **Keys** (`P` is the key prefix; an *instance* is one running bus, a random id, so a restarted
/// node never inherits its predecessor's entries):
/// - `P:node:<instance>`: the liveness key, a string (the node's name) with a TTL that the
///   instance refreshes every `livenessInterval`. While it exists, the instance is alive.
/// - `P:presence:nodes`: the set of instances that may have entries.
/// - `P:presence:node:<instance>`: hash, field `<scope>\n<connection>` → entry JSON: what one
///   instance holds, so its entries can be removed when it dies.
/// - `P:presence:scope:<scope>`: hash, field `<instance>\n<connection>` → entry JSON: what one
///   scope holds, for listing.
///
/// **Ghosts.** Listing skips entries whose instance's liveness key is gone, so a killed node's
/// connections disappear from the list at most one TTL after its last refresh. Every live instance
/// runs ``refresh`` periodically, which removes the entries of dead instances atomically (one
/// script: the first live node to run it wins, the others find nothing left) and publishes a
/// `presence-leave` for each.
///
/// Scope keys are computed inside the scripts from the prefix, as the dead node's entries are only
/// known there: these scripts assume one Redis (or a Redis Cluster hash tag in the prefix).
enum PresenceScripts {
    /// `KEYS`: liveness key, nodes set, node hash. `ARGV`: channel, instance, name, ttl (ms),
    /// prefix, then `scope, connection, json` triples. Stores each entry and publishes a
    /// `presence-join` for each one that was not already there. Refreshes liveness.
    static let add = RedisScript(name: "chorus-presence-add", source: """
        local liveness, nodes, byNode = KEYS[1], KEYS[2], KEYS[3]
        local channel, instance, name, ttl, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
        redis.call('SET', liveness, name, 'PX', ttl)
        redis.call('SADD', nodes, instance)
        for i = 6, #ARGV, 3 do
          local scope, conn, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
          local added = redis.call('HSET', prefix .. ':presence:scope:' .. scope, instance .. '\\n' .. conn, json)
          redis.call('HSET', byNode, scope .. '\\n' .. conn, json)
          if added == 1 then
            redis.call('PUBLISH', channel, 'c {"v":1,"kind":"presence-join","entry":' .. json .. '}')
          end
        end
        return 1
        """)

    /// `KEYS`: node hash. `ARGV`: channel, instance, prefix, then `scope, connection` pairs.
    /// Removes each entry and publishes a `presence-leave` for each one that was there.
    static let remove = RedisScript(name: "chorus-presence-remove", source: """
        local byNode = KEYS[1]
        local channel, instance, prefix = ARGV[1], ARGV[2], ARGV[3]
        for i = 4, #ARGV, 2 do
          local scope, conn = ARGV[i], ARGV[i + 1]
          local scopeKey = prefix .. ':presence:scope:' .. scope
          local json = redis.call('HGET', scopeKey, instance .. '\\n' .. conn)
          redis.call('HDEL', byNode, scope .. '\\n' .. conn)
          if json then
            redis.call('HDEL', scopeKey, instance .. '\\n' .. conn)
            redis.call('PUBLISH', channel, 'c {"v":1,"kind":"presence-leave","entry":' .. json .. '}')
          end
        end
        return 1
        """)

    /// `KEYS`: scope hash. `ARGV`: prefix. The JSON of every entry whose instance is alive.
    static let list = RedisScript(name: "chorus-presence-list", source: """
        local all = redis.call('HGETALL', KEYS[1])
        local alive, out = {}, {}
        for i = 1, #all, 2 do
          local field = all[i]
          local instance = string.sub(field, 1, string.find(field, '\\n', 1, true) - 1)
          if alive[instance] == nil then
            alive[instance] = redis.call('EXISTS', ARGV[1] .. ':node:' .. instance) == 1
          end
          if alive[instance] then out[#out + 1] = all[i + 1] end
        end
        return out
        """)

    /// `KEYS`: liveness key, nodes set. `ARGV`: channel, instance, name, ttl (ms), prefix, and
    /// `1` to also drop this instance's own entries (before re-adding them all).
    /// Refreshes this instance's liveness, removes the entries of every dead instance (publishing
    /// a `presence-leave` for each), and returns 1 if this instance's liveness key had expired
    /// (its entries may have been removed: the caller adds them again), else 0.
    static let refresh = RedisScript(name: "chorus-presence-refresh", source: """
        local liveness, nodes = KEYS[1], KEYS[2]
        local channel, instance, name, ttl, prefix, resync = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
        local previous = redis.call('SET', liveness, name, 'PX', ttl, 'GET')
        for _, other in ipairs(redis.call('SMEMBERS', nodes)) do
          if (other == instance and resync == '1') or (other ~= instance and redis.call('EXISTS', prefix .. ':node:' .. other) == 0) then
            local byNode = prefix .. ':presence:node:' .. other
            local all = redis.call('HGETALL', byNode)
            for i = 1, #all, 2 do
              local field, json = all[i], all[i + 1]
              local cut = string.find(field, '\\n', 1, true)
              local scope, conn = string.sub(field, 1, cut - 1), string.sub(field, cut + 1)
              redis.call('HDEL', prefix .. ':presence:scope:' .. scope, other .. '\\n' .. conn)
              redis.call('PUBLISH', channel, 'c {"v":1,"kind":"presence-leave","entry":' .. json .. '}')
            end
            redis.call('DEL', byNode)
            if other ~= instance then redis.call('SREM', nodes, other) end
          end
        end
        if previous then return 0 else return 1 end
        """)

    static let all = [add, remove, list, refresh]
}
