import CHiredis

/// One reply from Redis, copied out of hiredis' reply object.
public enum RedisReply: Sendable, Hashable {
    /// A bulk string (binary-safe).
    case string([UInt8])
    /// A status reply such as `OK`.
    case status(String)
    /// An integer reply.
    case integer(Int64)
    /// An array of replies.
    case array([RedisReply])
    /// The nil bulk string or nil array.
    case null
    /// An error reply, such as `NOSCRIPT No matching script`.
    case error(String)

    /// Copies a hiredis reply (which the caller still frees).
    init(_ reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .string(Self.bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                if let element = r.element[index] { items.append(RedisReply(element)) } else { items.append(.null) }
            }
            self = .array(items)
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The bytes of a bulk string or status reply.
    public var bytes: [UInt8]? {
        switch self {
        case .string(let bytes): bytes
        case .status(let text): Array(text.utf8)
        default: nil
        }
    }

    /// The text of a bulk string or status reply.
    public var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The value of an integer reply.
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }

    /// The items of an array reply.
    public var array: [RedisReply]? {
        if case .array(let items) = self { items } else { nil }
    }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { message } else { nil }
    }
}
