import ChorusCore

/// An application event handed to the ``Dispatcher``: a namespaced name and a JSON payload.
public struct DispatchEvent: Sendable, Hashable {
    /// The namespaced name (`job:progress`).
    public var name: String
    /// The payload.
    public var payload: JSONValue
    /// Free-form string metadata (a request id, a user id) that middleware and filters may read.
    public var metadata: [String: String]

    /// Creates an event; the name must be non-empty segments separated by `:`.
    public init(name: String, payload: JSONValue = .null, metadata: [String: String] = [:]) throws(DispatchError) {
        guard !name.isEmpty, !name.split(separator: ":", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw .invalidEventName(name)
        }
        self.name = name
        self.payload = payload
        self.metadata = metadata
    }

    /// The first segment (`job` of `job:progress`).
    public var namespace: String {
        String(name.prefix { $0 != ":" })
    }
}
