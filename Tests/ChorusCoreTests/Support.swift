import ChorusCore
import ChorusTesting
import Synchronization
import Testing

// Helpers shared by the ChorusCore tests. Nothing here asserts; the suites do.

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// `bytes` decoded as UTF-8 (for readable failure messages when comparing encoder output).
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// `text` with every CRLF, lone CR and lone LF turned into LF: what a browser's `MessageEvent.data`
/// holds for a `data` field written line by line. Works on bytes, not on `Character`s, because Swift
/// treats "\r\n" as one grapheme.
func normalizingLineEndings(_ text: String) -> String {
    var out: [UInt8] = []
    var lastWasCR = false
    for byte in text.utf8 {
        if lastWasCR, byte == 0x0A {
            lastWasCR = false
            continue
        }
        lastWasCR = byte == 0x0D
        out.append(byte == 0x0D ? 0x0A : byte)
    }
    return String(decoding: out, as: UTF8.self)
}

/// Splits `bytes` into consecutive chunks of random sizes between 1 and `maximum`.
func randomChunks(_ bytes: [UInt8], maximum: Int, using rng: inout SplitMix64) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    while start < bytes.count {
        let size = Int.random(in: 1...maximum, using: &rng)
        let end = min(bytes.count, start + size)
        chunks.append(Array(bytes[start..<end]))
        start = end
    }
    return chunks
}

/// Feeds `chunks` to a fresh parser, one after the other, and returns every dispatched event.
func parse(chunks: [[UInt8]]) -> (events: [SSEParser.Event], parser: SSEParser) {
    var parser = SSEParser()
    var events: [SSEParser.Event] = []
    for chunk in chunks {
        events += parser.feed(chunk)
    }
    return (events, parser)
}

/// Feeds `stream` to a fresh parser in one piece.
func parse(_ stream: String) -> (events: [SSEParser.Event], parser: SSEParser) {
    parse(chunks: [bytes(stream)])
}

/// A bus receiver that records every message it is given, behind a lock.
final class CollectingReceiver: BusReceiver {
    private let storage = Mutex<[BusMessage]>([])

    func receive(_ messages: [BusMessage]) {
        storage.withLock { $0.append(contentsOf: messages) }
    }

    /// Everything received so far, in order.
    var messages: [BusMessage] { storage.withLock { $0 } }

    /// The envelopes received so far, in order.
    var envelopes: [Envelope] {
        messages.compactMap { message in
            if case .event(let envelope) = message { envelope } else { nil }
        }
    }

    /// Forgets everything received so far.
    func reset() { storage.withLock { $0.removeAll() } }
}

/// A clock that can be moved by the test (including backwards).
final class ManualClock: Sendable {
    private let value: Mutex<UInt64>
    init(_ start: UInt64) { value = Mutex(start) }
    func set(_ milliseconds: UInt64) { value.withLock { $0 = milliseconds } }
    var now: UInt64 { value.withLock { $0 } }
}

/// Starts `bus.run(delivering:)` in a task and returns once the receiver is registered.
///
/// Registration happens inside the task, so the test proves it by publishing a probe control
/// message until the receiver has it (a handshake, not a timing assumption). The probe is then
/// forgotten, so the receiver starts empty.
func startReceiving(_ receiver: CollectingReceiver, on bus: InMemoryBus) async throws -> Task<Void, any Error> {
    let task = Task { try await bus.run(delivering: receiver) }
    let probe = ControlMessage.closeUser(userID: "__registration-probe__", scope: nil)
    var attempts = 0
    while !receiver.messages.contains(.control(probe)) {
        attempts += 1
        try #require(attempts < 10_000, "the receiver was never registered")
        try await bus.publish(probe)
        await Task.yield()
        if attempts > 100 { try await Task.sleep(for: .milliseconds(1)) }
    }
    receiver.reset()
    return task
}

/// Cancels a receiving task and waits until `run` has returned (and so unregistered).
func stopReceiving(_ task: Task<Void, any Error>) async throws {
    task.cancel()
    try await task.value
}

/// What a browser's `MessageEvent` shows for a dispatched event (comparable in expectations;
/// `SSEParser.Event` has no public initializer).
struct Seen: Hashable, CustomStringConvertible {
    var type: String
    var data: String
    var lastEventID: String = ""

    init(_ type: String, _ data: String, lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }

    init(_ event: SSEParser.Event) {
        self.init(event.type, event.data, lastEventID: event.lastEventID)
    }

    var description: String { "(type: \(type.debugDescription), data: \(data.debugDescription), id: \(lastEventID.debugDescription))" }
}

/// The events as a browser would see them.
func seen(_ events: [SSEParser.Event]) -> [Seen] { events.map(Seen.init) }
