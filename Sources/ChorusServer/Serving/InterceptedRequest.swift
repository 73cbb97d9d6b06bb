import HTTPTypes

/// The requests ``EventsInterceptor`` serves itself, below Hummingbird's request loop.
enum InterceptedRequest: Equatable {
    /// `GET /events`: a stream.
    case stream
    /// `POST /publish`: a publish, whose body the interceptor gathers (``PublishBody``).
    case publish

    /// What `head` asks for, as the node's router would route it; `nil` for any other request.
    init?(_ head: HTTPRequest) {
        if head.method == .get, Self.routes(head, to: "events") {
            self = .stream
        } else if head.method == .post, Self.routes(head, to: "publish") {
            self = .publish
        } else {
            return nil
        }
    }

    /// Whether `head`'s path (before any `?`) is the one component `name`, as Hummingbird's router
    /// matches it: components between slashes, empty ones ignored. Read as UTF-8 bytes: every
    /// request passes through here.
    private static func routes(_ head: HTTPRequest, to name: StaticString) -> Bool {
        guard var path = head.path else { return false }
        return path.withUTF8 { bytes in
            // Plain loops over the bytes: generic collection algorithms allocate in debug builds.
            let slash = UInt8(ascii: "/")
            let expected = name.utf8Start
            let expectedCount = name.utf8CodeUnitCount
            var matched = false
            var index = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "?") {
                guard bytes[index] != slash else {
                    index += 1
                    continue
                }
                guard !matched else { return false }
                var length = 0
                while index < bytes.count, bytes[index] != slash, bytes[index] != UInt8(ascii: "?") {
                    guard length < expectedCount, bytes[index] == expected[length] else { return false }
                    length += 1
                    index += 1
                }
                guard length == expectedCount else { return false }
                matched = true
            }
            return matched
        }
    }
}
