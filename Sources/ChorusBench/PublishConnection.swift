import NIOCore
import NIOHTTP1
import NIOPosix

/// A keep-alive HTTP/1.1 connection that publishes events.
struct PublishConnection: Sendable {
    let channel: any Channel
    let url: URLTemplate

    /// Opens a connection to `url`'s host and port.
    static func connect(to url: URLTemplate, on loop: any EventLoop) async throws -> PublishConnection {
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(PublishHandler())
                }
            }
            .connect(host: url.host, port: url.port)
            .get()
        return PublishConnection(channel: channel, url: url)
    }

    /// Sends one request; returns the response's status code.
    func send(path: String, body: ByteBuffer, contentType: String, headers extra: [HeaderLine]) async throws -> Int {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(url.host):\(url.port)")
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        for header in extra { headers.add(name: header.name, value: header.value) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        let promise = channel.eventLoop.makePromise(of: Int.self)
        channel.writeAndFlush(PublishRequest(head: head, body: body, status: promise)).whenFailure { error in
            promise.fail(error)
        }
        return try await promise.futureResult.get()
    }

    /// Closes the connection.
    func close() async {
        try? await channel.close()
    }
}
