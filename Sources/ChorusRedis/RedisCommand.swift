/// A command for the pipeline connection: plain, or a script called by its SHA1.
enum RedisCommand: Sendable {
    /// A command and its arguments, such as `PUBLISH channel payload`.
    case plain([[UInt8]])
    /// `EVALSHA` of a script loaded on connect (`EVAL` if Redis lost it).
    case script(RedisScript, keys: [[UInt8]], arguments: [[UInt8]])

    /// The arguments to send: `EVALSHA sha …` when the SHA1 is known, else `EVAL source …`.
    func arguments(sha: String?) -> [[UInt8]] {
        switch self {
        case .plain(let arguments):
            return arguments
        case .script(let script, let keys, let arguments):
            var result: [[UInt8]] = []
            result.reserveCapacity(3 + keys.count + arguments.count)
            if let sha {
                result.append(Array("EVALSHA".utf8))
                result.append(Array(sha.utf8))
            } else {
                result.append(Array("EVAL".utf8))
                result.append(Array(script.source.utf8))
            }
            result.append(Array(String(keys.count).utf8))
            result.append(contentsOf: keys)
            result.append(contentsOf: arguments)
            return result
        }
    }

    /// The script, if this is one.
    var script: RedisScript? {
        if case .script(let script, _, _) = self { script } else { nil }
    }
}
