/// The rules for an idempotency key (the `Idempotency-Key` header of `POST /publish`): 1 to 255
/// bytes of visible ASCII (`!` to `~`), so it is safe in an HTTP header, a log line and a Redis key.
public enum IdempotencyKey {
    /// The longest key, in bytes.
    public static let maximumLength = 255

    /// Why `text` is not a valid key, or `nil` if it is.
    public static func problem(_ text: String) -> String? {
        let bytes = text.utf8
        guard !bytes.isEmpty else { return "the idempotency key is empty" }
        guard bytes.count <= maximumLength else {
            return "the idempotency key is \(bytes.count) bytes long; at most \(maximumLength) are allowed"
        }
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return "the idempotency key may only hold visible ASCII characters (no spaces, no control characters, no non-ASCII)"
        }
        return nil
    }

    /// A new random key: 128 random bits in hexadecimal.
    public static func random() -> String {
        (0..<2).map { _ in
            let text = String(UInt64.random(in: 0 ... .max), radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
