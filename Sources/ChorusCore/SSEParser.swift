/// Parses a `text/event-stream` the way a browser's `EventSource` does (WHATWG HTML, "Event stream
/// interpretation"). Feed it bytes in chunks of any size; it returns the events dispatched so far.
///
/// Used by the Chorus client and the load tool, and by the tests to prove that what the encoder
/// writes is what a browser reads.
public struct SSEParser: Sendable {
    /// One dispatched event, as a browser's `MessageEvent` would see it.
    public struct Event: Sendable, Hashable {
        /// The event type; `message` when the stream gave none.
        public var type: String
        /// The data, lines joined by LF.
        public var data: String
        /// The last event id in force when this event was dispatched.
        public var lastEventID: String
    }

    /// The last event id the stream set (what `Last-Event-ID` would carry on reconnect).
    public private(set) var lastEventID = ""
    /// The last valid `retry:` value seen, in milliseconds.
    public private(set) var retry: Int?
    /// How many comment lines were seen (heartbeats).
    public private(set) var comments = 0

    private var idBuffer = ""
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: [UInt8] = []
    private var lastWasCR = false
    private var atStart = true

    /// Creates a parser at the start of a stream.
    public init() {}

    /// Feeds bytes and returns the events they completed.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        if let events = bytes.withContiguousStorageIfAvailable({ feed(buffer: $0) }) {
            return events
        }
        return Array(bytes).withUnsafeBufferPointer { feed(buffer: $0) }
    }

    /// Scans for line ends and copies whole runs of line bytes at once: the client reads large
    /// streams through here, and a byte-at-a-time append dominated its profile.
    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>) -> [Event] {
        var events: [Event] = []
        var index = 0
        let end = buffer.count
        while index < end {
            if lastWasCR {
                lastWasCR = false
                if buffer[index] == .lf {
                    index += 1
                    continue
                }
            }
            if atStart {
                // Byte by byte until the first line is known not to start with a BOM.
                let byte = buffer[index]
                index += 1
                if byte == .lf || byte == .cr {
                    atStart = false
                    lastWasCR = byte == .cr
                    processLine(&events)
                } else {
                    line.append(byte)
                    skipByteOrderMark()
                }
                continue
            }
            var lineEnd = index
            while lineEnd < end, buffer[lineEnd] != .lf, buffer[lineEnd] != .cr { lineEnd += 1 }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<lineEnd]))
            guard lineEnd < end else { break }
            lastWasCR = buffer[lineEnd] == .cr
            processLine(&events)
            index = lineEnd + 1
        }
        return events
    }

    /// A single U+FEFF at the very start of the stream is not part of the first line.
    private mutating func skipByteOrderMark() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        guard line.count <= bom.count, line[...] == bom[..<line.count] else {
            atStart = false
            return
        }
        if line.count == bom.count {
            line.removeAll(keepingCapacity: true)
            atStart = false
        }
    }

    private mutating func processLine(_ events: inout [Event]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            dispatch(&events)
            return
        }
        if line[0] == .colon {
            comments += 1
            return
        }
        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: .colon) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == .space { value = value.dropFirst() }
        } else {
            field = line[...]
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "event":
            eventType = Array(value)
        case "data":
            data.append(contentsOf: value)
            data.append(.lf)
            hasData = true
        case "id":
            if !value.contains(0) { idBuffer = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
               let number = Int(String(decoding: value, as: UTF8.self)) {
                retry = number
            }
        default:
            break
        }
    }

    private mutating func dispatch(_ events: inout [Event]) {
        // The id takes effect when the event is complete (blank line), even one without data;
        // an id in a half-received event must not be what a reconnect resumes from.
        lastEventID = idBuffer
        defer {
            data.removeAll(keepingCapacity: true)
            eventType.removeAll(keepingCapacity: true)
            hasData = false
        }
        guard hasData else { return }
        if data.last == .lf { data.removeLast() }
        let type = eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self)
        events.append(Event(type: type, data: String(decoding: data, as: UTF8.self), lastEventID: lastEventID))
    }
}
