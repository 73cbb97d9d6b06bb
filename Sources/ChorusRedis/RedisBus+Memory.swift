import ChorusCore
import Logging

extension RedisBus {
    /// While Redis refuses writes for lack of memory (``RedisPipeline/isOutOfMemory``), tries
    /// every `probeInterval` to get out of it: trims the history to its capacity (trimming runs
    /// inside the publish script, so it never runs while publishes are refused — after a lowered
    /// `historyCapacity`, say), then writes a small key with a short expiry. When that write
    /// succeeds, writes work again: the bus is ready again. Runs until cancelled.
    func watchMemory() async {
        while !Task.isCancelled {
            if pipeline.isOutOfMemory {
                await recoverMemory()
            }
            try? await Task.sleep(for: configuration.probeInterval)
        }
    }

    private func recoverMemory() async {
        // Trim in bounded steps; each script removes at most `HistoryScripts.trimStep` entries.
        for _ in 0..<1000 {
            guard let reply = try? await pipeline.execute(.script(HistoryScripts.trim, keys: configuration.historyScriptKeys, arguments: [Array(String(configuration.historyCapacity).utf8)])) else { return }
            if let message = reply.errorMessage {
                logger.warning("redis refused to trim the history", metadata: ["chorus.error": "\(message)"])
                break
            }
            guard let removed = reply.integer, removed > 0 else { break }
            logger.info("trimmed the history while redis is out of memory", metadata: ["chorus.removed": "\(removed)"])
            if removed < HistoryScripts.trimStep { break }
        }
        let check = RedisCommand.plain(["SET", configuration.writeCheckKey, "1", "PX", "10000"].map(RedisConnection.bytes))
        guard let reply = try? await pipeline.execute(check) else { return }
        if reply.errorMessage == nil {
            pipeline.setOutOfMemory(false)
            logger.notice("redis accepts writes again", metadata: ["chorus.redis": "\(configuration.url)"])
        }
    }
}
