/// Writes events in the `text/event-stream` format, exactly as the WHATWG HTML standard parses it.
///
/// Output is UTF-8 bytes. Each event ends with a blank line; `data` is split into one `data:` line
/// per line of text, whatever the line ending (LF, CR or CRLF), so the browser reassembles the same
/// text joined by LF. Fields that cannot be written safely are refused, never written.
public enum SSEEncoder {
    /// Checks that `event` can be written; throws what is wrong with it.
    public static func validate(_ event: ServerSentEvent) throws(SSEEncodingError) {
        if let name = event.event, name.utf8.contains(where: { $0 == .lf || $0 == .cr }) {
            throw .newlineInEventName
        }
        if let id = event.id, id.utf8.contains(where: { $0 == .lf || $0 == .cr || $0 == 0 }) {
            throw .invalidCharacterInID
        }
        if let retry = event.retry, retry < 0 {
            throw .negativeRetry
        }
    }

    /// The encoded bytes of one event.
    public static func encode(_ event: ServerSentEvent) throws(SSEEncodingError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(event, into: &bytes)
        return bytes
    }

    /// Appends the encoded bytes of one event to `bytes`; on error, `bytes` is unchanged.
    public static func encode(_ event: ServerSentEvent, into bytes: inout [UInt8]) throws(SSEEncodingError) {
        try validate(event)
        bytes.reserveCapacity(bytes.count + event.data.utf8.count + 32)
        if let retry = event.retry {
            appendField("retry", Array(String(retry).utf8)[...], to: &bytes)
        }
        if let id = event.id {
            appendField("id", Array(id.utf8)[...], to: &bytes)
        }
        if let name = event.event, !name.isEmpty {
            appendField("event", Array(name.utf8)[...], to: &bytes)
        }
        forEachLine(event.data) { appendField("data", $0, to: &bytes) }
        bytes.append(.lf)
    }

    /// A `retry:` line on its own (no event is dispatched by it).
    public static func retry(milliseconds: Int) -> [UInt8] {
        Array("retry: \(max(0, milliseconds))\n\n".utf8)
    }

    /// A comment: lines starting with `:` that browsers ignore, used as heartbeats. Line breaks in
    /// `text` start new comment lines, so a comment can never inject a field.
    public static func comment(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        forEachLine(text) { line in
            bytes.append(.colon)
            if !line.isEmpty { bytes.append(.space) }
            bytes.append(contentsOf: line)
            bytes.append(.lf)
        }
        bytes.append(.lf)
        return bytes
    }

    private static func appendField(_ name: StaticString, _ value: ArraySlice<UInt8>, to bytes: inout [UInt8]) {
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(.colon)
        // One space after the colon: the parser strips exactly one, so a value that itself starts
        // with a space survives.
        bytes.append(.space)
        bytes.append(contentsOf: value)
        bytes.append(.lf)
    }

    /// Calls `body` with each line of `text`, split on CRLF, CR or LF. Empty text is one empty line.
    static func forEachLine(_ text: String, _ body: (ArraySlice<UInt8>) -> Void) {
        let utf8 = Array(text.utf8)
        var start = 0
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == .lf || byte == .cr {
                body(utf8[start..<index])
                if byte == .cr, index + 1 < utf8.count, utf8[index + 1] == .lf { index += 1 }
                start = index + 1
            }
            index += 1
        }
        body(utf8[start..<utf8.count])
    }
}

extension UInt8 {
    @usableFromInline static let lf = UInt8(ascii: "\n")
    @usableFromInline static let cr = UInt8(ascii: "\r")
    @usableFromInline static let colon = UInt8(ascii: ":")
    @usableFromInline static let space = UInt8(ascii: " ")
}
