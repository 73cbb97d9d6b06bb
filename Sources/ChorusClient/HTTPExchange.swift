import NIOCore
import NIOHTTP1
import NIOPosix

/// A complete HTTP response.
public struct HTTPResult: Sendable {
    /// The status code.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Failures of the Chorus HTTP client.
public struct ChorusClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The HTTP status, when the node answered; `nil` when no answer came (connection failed).
    public var status: Int?
    /// The node's error code (`unavailable`, `outcome-unknown`, …), when it sent one.
    public var code: String?
    /// The node's `Retry-After`, in seconds, when it sent one.
    public var retryAfterSeconds: Int?

    /// Creates an error.
    public init(_ message: String, status: Int? = nil, code: String? = nil, retryAfterSeconds: Int? = nil) {
        self.message = message
        self.status = status
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { message }
}

/// One HTTP/1.1 request on its own connection, over SwiftNIO.
enum HTTPExchange {
    /// Connects to `endpoint` and wraps the channel for async use.
    static func connect(
        _ endpoint: Endpoint,
        group: any EventLoopGroup
    ) async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        do {
            return try await ClientBootstrap(group: group)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(5))
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ChorusClientError("cannot connect to \(endpoint.host):\(endpoint.port): \(error)")
        }
    }

    /// The request head, with `Host` (unless `headers` has one) and, for a body, `Content-Length`.
    static func head(_ method: HTTPMethod, _ endpoint: Endpoint, path: String, headers: [(String, String)], bodyLength: Int?) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        if !headers.contains(where: { $0.0.lowercased() == "host" }) {
            head.headers.add(name: "Host", value: "\(endpoint.host):\(endpoint.port)")
        }
        head.headers.add(name: "Connection", value: "close")
        if let bodyLength { head.headers.add(name: "Content-Length", value: "\(bodyLength)") }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        return head
    }

    /// Sends one request and collects the whole response.
    static func send(
        _ method: HTTPMethod,
        _ endpoint: Endpoint,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        group: any EventLoopGroup
    ) async throws -> HTTPResult {
        let channel = try await connect(endpoint, group: group)
        return try await channel.executeThenClose { inbound, outbound in
            // One write for the whole request: with `Connection: close` the server may answer and
            // close as soon as the last body byte arrives, before a separate `.end` write.
            var parts: [HTTPClientRequestPart] = [.head(head(method, endpoint, path: path, headers: headers, bodyLength: body?.count ?? (method == .POST ? 0 : nil)))]
            if let body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            parts.append(.end(nil))
            try await outbound.write(contentsOf: parts)
            var result = HTTPResult(status: 0, headers: [:], body: [])
            for try await part in inbound {
                switch part {
                case .head(let head):
                    result.status = Int(head.status.code)
                    result.headers = head.headers
                case .body(let buffer):
                    result.body.append(contentsOf: buffer.readableBytesView)
                case .end:
                    return result
                }
            }
            throw ChorusClientError("the connection closed before the response was complete")
        }
    }
}
