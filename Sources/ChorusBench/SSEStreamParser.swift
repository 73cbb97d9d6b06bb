#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an HTTP/1.1 `text/event-stream` response byte by byte, cheaply: the status line and
/// headers, then the body (chunked or not), and reports each `data:` line that starts with the
/// benchmark's stamp `<send_unix_nanos> <sequence> …` without building a String.
///
/// Only what a benchmark needs of SSE: one stamped `data:` line per event; other fields, comments
/// and the rest of a data line are skipped.
public struct SSEStreamParser {
    /// Where the parser is in the response.
    public enum Phase: Equatable, Sendable {
        /// Still reading the status line and headers.
        case head
        /// Reading the event stream.
        case body
        /// The server ended the body (last chunk, or more than a head it could not parse).
        case finished
        /// The response could not be parsed; the reason.
        case failed(String)
    }

    /// Where the parser is.
    public private(set) var phase = Phase.head
    /// The response's status code, once the head is read.
    public private(set) var status: Int?
    /// Whether the body uses chunked transfer coding.
    public private(set) var chunked = false

    private var head: [UInt8] = []
    private static let maximumHeadBytes = 16 * 1024

    // Chunked decoding.
    private enum ChunkState { case size, sizeExtension, data, dataEnd }
    private var chunkState = ChunkState.size
    private var chunkRemaining = 0
    private var chunkSizeDigits = 0

    // The line scanner.
    private enum LineState: UInt8 { case prefix, afterColon, stamp, sequence, skip }
    private var lineState = LineState.prefix
    private var prefixMatched = 0
    private var stamp: UInt64 = 0
    private var stampDigits = 0
    private var sequence: UInt64 = 0

    /// A parser at the start of a response.
    public init() {}

    /// Feeds received bytes; calls `onData(sentNanos, sequence)` for every stamped data line.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, onData: (UInt64, UInt64) -> Void) {
        var index = 0
        let count = bytes.count
        if case .head = phase {
            index = readHead(bytes)
            guard case .body = phase else { return }
        }
        guard case .body = phase else { return }
        if !chunked {
            scan(bytes, from: index, to: count, onData: onData)
            return
        }
        while index < count {
            switch chunkState {
            case .size:
                let byte = bytes[index]
                index += 1
                if let digit = Self.hexValue(byte) {
                    chunkRemaining = chunkRemaining &* 16 &+ digit
                    chunkSizeDigits += 1
                } else if byte == UInt8(ascii: "\n") {
                    finishChunkSize()
                    if case .finished = phase { return }
                } else if byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") {
                    chunkState = .sizeExtension
                } else if byte != UInt8(ascii: "\r") {
                    phase = .failed("invalid chunk size byte \(byte)")
                    return
                }
            case .sizeExtension:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    finishChunkSize()
                    if case .finished = phase { return }
                }
            case .data:
                let take = min(chunkRemaining, count - index)
                scan(bytes, from: index, to: index + take, onData: onData)
                index += take
                chunkRemaining -= take
                if chunkRemaining == 0 { chunkState = .dataEnd }
            case .dataEnd:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    chunkState = .size
                    chunkRemaining = 0
                    chunkSizeDigits = 0
                }
            }
        }
    }

    private mutating func finishChunkSize() {
        guard chunkSizeDigits > 0 else {
            phase = .failed("empty chunk size")
            return
        }
        if chunkRemaining == 0 {
            phase = .finished
        } else {
            chunkState = .data
        }
    }

    /// Reads head bytes; returns the index of the first body byte in `bytes`.
    private mutating func readHead(_ bytes: UnsafeRawBufferPointer) -> Int {
        for index in 0..<bytes.count {
            head.append(bytes[index])
            let n = head.count
            if n >= 4, head[n - 1] == 10, head[n - 2] == 13, head[n - 3] == 10, head[n - 4] == 13 {
                parseHead()
                head = []
                return index + 1
            }
            if n > Self.maximumHeadBytes {
                phase = .failed("response head longer than \(Self.maximumHeadBytes) bytes")
                return bytes.count
            }
        }
        return bytes.count
    }

    private mutating func parseHead() {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: true)
        guard let first = lines.first, first.hasPrefix("HTTP/1."), first.count >= 12,
              let code = Int(first.dropFirst(9).prefix(3)) else {
            phase = .failed("not an HTTP/1.x status line: \(lines.first.map(String.init) ?? "")")
            return
        }
        status = code
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            if lower.hasPrefix("transfer-encoding:"), lower.contains("chunked") { chunked = true }
        }
        phase = .body
    }

    /// Scans body bytes `[from, to)` for stamped data lines.
    @inline(__always)
    private mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, onData: (UInt64, UInt64) -> Void) {
        var index = start
        let base = bytes.baseAddress!
        while index < end {
            if lineState == .skip {
                // Jump to the end of the line with memchr: most bytes are padding.
                guard let found = memchr(base + index, 10, end - index) else { return }
                index = base.distance(to: UnsafeRawPointer(found)) + 1
                lineState = .prefix
                prefixMatched = 0
                continue
            }
            let byte = bytes[index]
            index += 1
            if byte == 10 || byte == 13 {
                if (lineState == .stamp || lineState == .sequence), stampDigits > 0 {
                    onData(stamp, sequence)
                }
                lineState = .prefix
                prefixMatched = 0
                continue
            }
            switch lineState {
            case .prefix:
                if byte == Self.dataPrefix[prefixMatched] {
                    prefixMatched += 1
                    if prefixMatched == 5 {
                        lineState = .afterColon
                    }
                } else {
                    lineState = .skip
                }
            case .afterColon:
                stamp = 0
                stampDigits = 0
                sequence = 0
                if byte == 32 {
                    lineState = .stamp
                } else if byte >= 48, byte <= 57 {
                    stamp = UInt64(byte &- 48)
                    stampDigits = 1
                    lineState = .stamp
                } else {
                    lineState = .skip
                }
            case .stamp:
                if byte >= 48, byte <= 57 {
                    stamp = stamp &* 10 &+ UInt64(byte &- 48)
                    stampDigits += 1
                } else if byte == 32, stampDigits > 0 {
                    lineState = .sequence
                } else {
                    lineState = .skip
                }
            case .sequence:
                if byte >= 48, byte <= 57 {
                    sequence = sequence &* 10 &+ UInt64(byte &- 48)
                } else {
                    // The stamp is complete: report now and skip the padding.
                    if stampDigits > 0 { onData(stamp, sequence) }
                    stampDigits = 0
                    lineState = .skip
                }
            case .skip:
                break
            }
        }
    }

    private static let dataPrefix: [UInt8] = Array("data:".utf8)

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte - 48)
        case 97...102: Int(byte - 87)
        case 65...70: Int(byte - 55)
        default: nil
        }
    }
}
