/// One extra request header given on the command line as `Name: value`.
public struct HeaderLine: Sendable, Equatable {
    /// The header name.
    public let name: String
    /// The header value.
    public let value: String

    /// Parses `Name: value`; throws when there is no colon or no name.
    public init(_ text: String) throws(BenchError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw BenchError("header '\(text)' must look like 'Name: value'")
        }
        name = String(text[..<colon]).trimmingSpaces()
        value = String(text[text.index(after: colon)...]).trimmingSpaces()
        guard !name.isEmpty, !name.contains(where: { $0 == "\r" || $0 == "\n" }), !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw BenchError("header '\(text)' has no name or contains a line break")
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
