/// One Server-Sent Events message, before encoding.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `id:` line; becomes the browser's `Last-Event-ID`.
    public var id: String?
    /// The `event:` line; `nil` or empty means the default `message` event.
    public var event: String?
    /// The payload. Split into one `data:` line per line of text (LF, CR and CRLF all count).
    public var data: String
    /// A `retry:` line: the reconnection delay the browser should use, in milliseconds.
    public var retry: Int?

    /// Creates an event.
    public init(id: String? = nil, event: String? = nil, data: String, retry: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.retry = retry
    }
}

extension ServerSentEvent {
    /// The SSE form of an envelope: its id, event name and data.
    public init(_ envelope: Envelope) {
        self.init(id: envelope.id?.description, event: envelope.event, data: envelope.data)
    }
}

/// Why an event cannot be written as SSE. Nothing is written when this is thrown.
public enum SSEEncodingError: Error, Hashable, CustomStringConvertible {
    /// An `event:` name contains CR or LF, which would end the field early and inject lines.
    case newlineInEventName
    /// An `id:` contains CR, LF or NUL; browsers ignore ids with NUL, and a newline would inject lines.
    case invalidCharacterInID
    /// A `retry:` value is negative.
    case negativeRetry

    public var description: String {
        switch self {
        case .newlineInEventName: "the event name must not contain a line break (CR or LF)"
        case .invalidCharacterInID: "the event id must not contain a line break (CR or LF) or a NUL character"
        case .negativeRetry: "the retry interval must not be negative"
        }
    }
}
