import ChorusCore
import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to standard error, for log
/// collectors: `timestamp` (ISO 8601, UTC, milliseconds), `level`, `label`, `message`, `source`,
/// then every metadata key (`chorus.node`, `chorus.error`, …) as a field of its own.
///
/// ```json
/// {"timestamp":"2026-12-01T18:00:00.123Z","level":"info","label":"chorus","message":"chorus node n1 listening on http://0.0.0.0:8080 with the in-memory bus","chorus.node":"n1"}
/// ```
public struct JSONLogHandler: LogHandler {
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Provides metadata at the time of logging (task-local values, for example).
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable ([UInt8]) -> Void

    /// A handler for `label` writing to standard error.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, metadataProvider: metadataProvider) { line in
            line.withUnsafeBufferPointer { buffer in
                // One write(2) per line: lines from several threads never interleave.
                _ = Foundation.write(FileHandle.standardError.fileDescriptor, buffer.baseAddress, buffer.count)
            }
        }
    }

    /// A handler for `label` handing each line (with its newline) to `write`; tests read them.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
    }

    /// One metadata value of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, JSONValue)] = [
            ("timestamp", .string(Self.timestamp())),
            ("level", .string(event.level.rawValue)),
            ("label", .string(label)),
            ("message", .string(event.message.description)),
            ("source", .string(event.source)),
        ]
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let given = event.metadata { all.merge(given) { _, new in new } }
        for key in all.keys.sorted() {
            fields.append((key, Self.json(all[key]!)))
        }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        JSONWriter.write(.object(fields), into: &line)
        line.append(UInt8(ascii: "\n"))
        write(line)
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.keys.sorted().map { ($0, json(values[$0]!)) })
        }
    }

    private static func timestamp() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = Int(time.tv_nsec) / 1_000_000
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let fraction = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}
