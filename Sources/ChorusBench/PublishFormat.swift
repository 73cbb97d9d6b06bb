/// How an event is put into a publish request.
public enum PublishFormat: String, Sendable, CaseIterable {
    /// Chorus: `POST` a JSON body `{"scope":"S","data":"…"}`.
    case chorusJSON = "chorus-json"
    /// Nchan and others: `POST` the data itself as the body, the scope in the URL.
    case raw
}

/// The event text the subscribers parse: `<send_unix_nanos> <sequence> ` then `x` padding up to
/// `payloadBytes` (never shorter than the stamp itself).
public func stampedData(sentNanos: UInt64, sequence: Int, payloadBytes: Int) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(max(payloadBytes, 48))
    appendDecimal(sentNanos, to: &bytes)
    bytes.append(32)
    appendDecimal(UInt64(sequence), to: &bytes)
    bytes.append(32)
    while bytes.count < payloadBytes { bytes.append(UInt8(ascii: "x")) }
    return bytes
}

func appendDecimal(_ value: UInt64, to bytes: inout [UInt8]) {
    if value == 0 {
        bytes.append(48)
        return
    }
    var digits: [UInt8] = []
    var rest = value
    while rest > 0 {
        digits.append(UInt8(rest % 10) + 48)
        rest /= 10
    }
    bytes.append(contentsOf: digits.reversed())
}
