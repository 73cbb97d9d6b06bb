import ChorusCore
import ChorusTesting
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Synchronization
import Testing

@testable import ChorusServer

/// A node's connection pipeline (``ChorusHTTP1Channel``) on an in-memory channel, with a real
/// node's router behind it, and Hummingbird's request loop for the requests that are not streams.
private struct ConnectionUnderTest {
    let node = ChorusNode(bus: InMemoryBus(historyCapacity: 16))
    let channel: NIOAsyncTestingChannel
    let value: ChorusHTTP1Channel.Value
    let child: ChorusHTTP1Channel
    private var wire = ""

    init() async throws {
        let router = node.makeRouter().buildResponder()
        let logger = Logger(label: "test")
        // Hummingbird's side, as `Application` answers: the same router, the response written whole.
        let http1 = HTTP1Channel(responder: { request, writer, channel in
            let response = try await router.respond(to: request, context: ChorusRequestContext(source: .init(channel: channel, logger: logger)))
            try await writer.write(response: response.head, body: response.body)
        })
        child = ChorusHTTP1Channel(http1: http1, events: EventsResponder(router: router, serverName: nil, logger: logger))
        channel = NIOAsyncTestingChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80))
        let (channel, child) = (self.channel, self.child)
        value = try await channel.testingEventLoop.executeInContext { child.setup(channel: channel, logger: logger) }.get()
    }

    /// The client sends `text`.
    func send(_ text: String) async throws {
        try await channel.writeInbound(ByteBuffer(string: text))
    }

    /// Runs Hummingbird's side of the connection, as the server does with each connection.
    func serve() -> Task<Void, Never> {
        let (child, value) = (self.child, self.value)
        return Task { await child.handle(value: value, logger: Logger(label: "test")) }
    }

    /// Everything the client has been sent so far.
    mutating func received() async throws -> String {
        try await channel.testingEventLoop.executeInContext {}
        while let data = try await channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { continue }
            wire += String(buffer: buffer)
        }
        return wire
    }

    /// Waits until what the client has been sent satisfies `condition`.
    mutating func receive(until condition: (String) -> Bool) async throws -> String {
        for _ in 0 ..< 500 {
            let text = try await received()
            if condition(text) { return text }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the client was never sent what the test waited for; it got: \(wire)")
        return wire
    }

    /// The handlers left in the pipeline, by type name.
    func handlers() async throws -> Set<String> {
        let channel = self.channel
        return try await channel.testingEventLoop.executeInContext {
            var names: Set<String> = []
            let pipeline = channel.pipeline.syncOperations
            if (try? pipeline.handler(type: StreamChunkHandler.self)) != nil { names.insert("StreamChunkHandler") }
            if (try? pipeline.handler(type: EventsInterceptor.self)) != nil { names.insert("EventsInterceptor") }
            if (try? pipeline.handler(type: HTTPResponseEncoder.self)) != nil { names.insert("HTTPResponseEncoder") }
            if (try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil { names.insert("HTTPRequestDecoder") }
            if (try? pipeline.handler(type: HTTPConnectionStateHandler.self)) != nil { names.insert("HTTPConnectionStateHandler") }
            if (try? pipeline.handler(type: IdleConnectionHandler.self)) != nil { names.insert("IdleConnectionHandler") }
            return names
        }
    }
}

/// Counts the reads that reach the socket, next to it in the pipeline.
private final class ReadCounter: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = Any
    private let reads = Mutex(0)

    var count: Int { reads.withLock { $0 } }

    func read(context: ChannelHandlerContext) {
        reads.withLock { $0 += 1 }
        context.read()
    }
}

private let streamRequest = "GET /events?scope=doc HTTP/1.1\r\nHost: node\r\n\r\n"
private let healthRequest = "GET /healthz HTTP/1.1\r\nHost: node\r\n\r\n"

/// How connections are served: streams below Hummingbird's request loop, everything else by it.
@Suite("Events interceptor", .timeLimit(.minutes(1)))
struct EventsInterceptorTests {
    @Test("a connection whose first request is a stream is the stream's alone: no request loop, no HTTP handlers left, and it closes when the stream ends")
    func streamFirst() async throws {
        var connection = try await ConnectionUnderTest()
        try await connection.send(streamRequest)
        #expect(try await connection.value.verdict.get() == .stream)
        let head = try await connection.receive { $0.contains("retry: ") }
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.lowercased().contains("transfer-encoding: chunked\r\n"))
        #expect(!head.lowercased().contains("content-length"))
        #expect(try await connection.handlers() == ["StreamChunkHandler"])
        #expect(connection.node.hub.connectionCount == 1)

        connection.node.hub.receive([.event(Envelope(id: EventID(milliseconds: 7, sequence: 0), scope: "doc", data: "hello"))])
        _ = try await connection.receive { $0.contains("data: hello\n") }
        // What a client sends on a stream's connection is ignored, whatever it is.
        try await connection.send("GET /healthz HTTP/1.1\r\n\r\n\u{0}garbage")
        #expect(connection.node.hub.connectionCount == 1)

        connection.node.hub.closeAll()
        let end = try await connection.receive { $0.hasSuffix("0\r\n\r\n") }
        #expect(end.contains("event: close"))
        try await connection.channel.closeFuture.get()
    }

    @Test("a connection whose first request is not a stream goes to Hummingbird, and a stream asked for next on it is served after that response")
    func hummingbirdFirst() async throws {
        var connection = try await ConnectionUnderTest()
        let served = connection.serve()
        // Both at once (pipelined): the stream's head must come after the health response.
        try await connection.send(healthRequest + streamRequest)
        #expect(try await connection.value.verdict.get() == .hummingbird)
        let text = try await connection.receive { $0.contains("retry: ") }
        let health = try #require(text.range(of: "HTTP/1.1 200 OK\r\n"))
        let stream = try #require(text.range(of: "text/event-stream"))
        #expect(health.lowerBound < stream.lowerBound)
        #expect(text.contains("\"status\":\"ok\""))
        #expect(connection.node.hub.connectionCount == 1)
        try await connection.channel.close()
        await served.value
    }

    @Test("a request that waits for Hummingbird's request loop holds the connection's reads until the loop reads it")
    func readsHeldUntilHummingbird() async throws {
        var connection = try await ConnectionUnderTest()
        let reads = ReadCounter()
        try await connection.channel.pipeline.addHandler(reads, position: .first)
        try await connection.send(healthRequest)
        #expect(try await connection.value.verdict.get() == .hummingbird)
        // A read as the socket asks for one after each (auto-read), from the pipeline's tail.
        connection.channel.read()
        try await connection.channel.testingEventLoop.executeInContext {}
        #expect(reads.count == 0, "the socket is read again while the request waits for Hummingbird")

        let served = connection.serve()
        _ = try await connection.receive { $0.contains("\"status\":\"ok\"") }
        #expect(reads.count >= 1, "the held read is never let through")
        try await connection.channel.close()
        await served.value
    }

    @Test("a refused stream request gets its JSON error, and the connection goes on to serve the next request")
    func refusedThenNext() async throws {
        var connection = try await ConnectionUnderTest()
        let served = connection.serve()
        try await connection.send("GET /events HTTP/1.1\r\nHost: node\r\n\r\n")
        let refusal = try await connection.receive { $0.contains("}") }
        #expect(refusal.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(refusal.contains("\"code\":\"missing-scope\""))
        let length = try #require(refusal.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") })
        #expect(Int(length.split(separator: " ").last ?? "") == refusal.split(separator: "\r\n\r\n", maxSplits: 1).last?.utf8.count)
        #expect(try await connection.value.verdict.get() == .hummingbird)

        try await connection.send(healthRequest)
        let next = try await connection.receive { $0.contains("\"status\":\"ok\"") }
        #expect(next.components(separatedBy: "HTTP/1.1 ").count == 3)
        #expect(connection.node.hub.connectionCount == 0)
        try await connection.channel.close()
        await served.value
    }

    @Test("a client that leaves before asking anything leaves nothing behind")
    func leavesFirst() async throws {
        let connection = try await ConnectionUnderTest()
        try await connection.channel.close()
        #expect(try await connection.value.verdict.get() == .closed)
        #expect(connection.node.hub.connectionCount == 0)
    }

    @Test("what counts as a stream request is what the router routes to /events")
    func streamRequests() {
        func head(_ method: HTTPRequest.Method, _ path: String) -> HTTPRequest {
            HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
        }
        #expect(EventsInterceptor.isStreamRequest(head(.get, "/events")))
        #expect(EventsInterceptor.isStreamRequest(head(.get, "/events?scope=a&scope=b")))
        #expect(EventsInterceptor.isStreamRequest(head(.get, "//events/")))
        #expect(!EventsInterceptor.isStreamRequest(head(.post, "/events")))
        #expect(!EventsInterceptor.isStreamRequest(head(.head, "/events")))
        #expect(!EventsInterceptor.isStreamRequest(head(.get, "/events/more")))
        #expect(!EventsInterceptor.isStreamRequest(head(.get, "/eventsx")))
        #expect(!EventsInterceptor.isStreamRequest(head(.get, "/Events")))
    }
}
