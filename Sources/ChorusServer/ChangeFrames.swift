import ChorusCore
import Logging
import NIOCore

/// The SSE bytes of a rendered change, and the merging of replayed changes.
enum ChangeFrames {
    /// `events` encoded one after another into one buffer, each with `id` (so a client that
    /// reconnects resumes after the change), or `nil` if there is nothing to send. An event that
    /// cannot be written as SSE is logged and left out.
    static func encode(_ events: [ServerSentEvent], id: EventID?, logger: Logger) -> ByteBuffer? {
        var bytes: [UInt8] = []
        for var event in events {
            event.id = id?.description
            do {
                bytes += try SSEEncoder.encode(event)
            } catch {
                logger.warning("dropping a rendered event that cannot be written as SSE", metadata: ["chorus.error": "\(error)"])
            }
        }
        return bytes.isEmpty ? nil : ByteBuffer(bytes: bytes)
    }

    /// The replayed changes merged into one per scope, in the order each scope first appeared,
    /// with every changed path once: a reconnecting client needs each affected block rendered
    /// once, from current data, not once per missed change.
    static func merge(_ changes: [Envelope]) -> [Envelope] {
        var merged: [Envelope] = []
        var position: [String: Int] = [:]
        for change in changes {
            let index: Int
            if let known = position[change.scope] {
                index = known
            } else {
                index = merged.count
                position[change.scope] = index
                merged.append(Envelope(scope: change.scope))
            }
            merged[index].id = change.id
            for path in change.paths where !merged[index].paths.contains(path) {
                merged[index].paths.append(path)
            }
        }
        return merged
    }
}
