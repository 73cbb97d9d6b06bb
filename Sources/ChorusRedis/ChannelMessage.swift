import ChorusCore

/// What travels on the shared channel, as text with a one-letter kind:
/// - `e <id> <json>`: an event (written by the publish script, with the id its `XADD` returned);
/// - `c <json>`: a control message;
/// - `p <token> <nonce>`: a liveness probe a node sends itself (see ``RedisSubscriber``).
enum ChannelMessage: Equatable {
    case event(EventID, json: [UInt8])
    case control(json: [UInt8])
    case probe(token: String, nonce: UInt64)

    /// Reads a channel payload; `nil` if it is not a Chorus message (someone else's, or junk).
    init?(_ payload: [UInt8]) {
        guard payload.count >= 2, payload[1] == UInt8(ascii: " ") else { return nil }
        let body = payload[2...]
        switch payload[0] {
        case UInt8(ascii: "e"):
            guard let space = body.firstIndex(of: UInt8(ascii: " ")),
                  let id = EventID(String(decoding: body[..<space], as: UTF8.self))
            else { return nil }
            self = .event(id, json: Array(body[(space + 1)...]))
        case UInt8(ascii: "c"):
            self = .control(json: Array(body))
        case UInt8(ascii: "p"):
            guard let space = body.firstIndex(of: UInt8(ascii: " ")),
                  let nonce = UInt64(String(decoding: body[(space + 1)...], as: UTF8.self))
            else { return nil }
            self = .probe(token: String(decoding: body[..<space], as: UTF8.self), nonce: nonce)
        default:
            return nil
        }
    }

    /// The payload text of this message.
    var payload: [UInt8] {
        switch self {
        case .event(let id, let json): Array("e \(id) ".utf8) + json
        case .control(let json): Array("c ".utf8) + json
        case .probe(let token, let nonce): Array("p \(token) \(nonce)".utf8)
        }
    }

    /// The start of a payload, printable, for a log line about a message that was skipped.
    static func preview(_ payload: [UInt8]) -> String {
        let text = String(decoding: payload.prefix(80), as: UTF8.self)
        let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : $0.escaped(asASCII: true) }.joined()
        return payload.count > 80 ? escaped + "…" : escaped
    }
}
