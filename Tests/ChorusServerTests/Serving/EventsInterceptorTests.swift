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
    let node: ChorusNode
    let channel: NIOAsyncTestingChannel
    let value: ChorusHTTP1Channel.Value
    let child: ChorusHTTP1Channel
    private var wire = ""

    init(node: ChorusNode = ChorusNode(bus: InMemoryBus(historyCapacity: 16))) async throws {
        self.node = node
        let router = node.makeRouter().buildResponder()
        let logger = Logger(label: "test")
        // Hummingbird's side, as `Application` answers: the same router, the response written whole.
        let http1 = HTTP1Channel(responder: { request, writer, channel in
            let response = try await router.respond(to: request, context: ChorusRequestContext(source: .init(channel: channel, logger: logger)))
            try await writer.write(response: response.head, body: response.body)
        })
        child = ChorusHTTP1Channel(http1: http1, events: EventsResponder(router: router, serverName: nil, maximumPublishBytes: node.configuration.maximumPublishBytes, logger: logger))
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
        // What the loop was given to do from the loop itself (a publish's task, on its loop) runs
        // only when the testing loop is run.
        await channel.testingEventLoop.run()
        try await channel.testingEventLoop.executeInContext {}
        while let data = try await channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { continue }
            wire += String(buffer: buffer)
        }
        return wire
    }

    /// Runs the loop until `condition` holds.
    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0 ..< 500 {
            await channel.testingEventLoop.run()
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("what the test waited for never happened")
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

/// A publish of `data` to scope `doc`, as a loopback client may send it to a node without keys.
private func publishRequest(_ data: String, headers: String = "") -> String {
    let body = #"{"scope":"doc","data":"\#(data)"}"#
    return "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(headers)\r\n\(body)"
}

/// An `onPublish` hook that holds every publish until the test lets them go.
private final class PublishHold: Sendable {
    private let state = Mutex<(open: Bool, arrived: Int, waiting: [CheckedContinuation<Void, Never>])>((false, 0, []))

    /// How many publishes have reached the hook.
    var arrived: Int { state.withLock { $0.arrived } }

    var hooks: ChorusHooks {
        ChorusHooks(onPublish: { envelope in
            await withCheckedContinuation { continuation in
                let proceed = self.state.withLock { state in
                    state.arrived += 1
                    if !state.open { state.waiting.append(continuation) }
                    return state.open
                }
                if proceed { continuation.resume() }
            }
            return .publish(envelope)
        })
    }

    /// Lets every held and later publish go.
    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// The statuses of the responses in `text`, in order.
private func statuses(_ text: String) -> [Int] {
    text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
}
private let healthRequest = "GET /healthz HTTP/1.1\r\nHost: node\r\n\r\n"

/// How connections are served: streams and publishes below Hummingbird's request loop, everything
/// else by it.
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

    @Test("a publisher's connection is served below Hummingbird's request loop: pipelined publishes are published and answered in order, and no request loop is ever attached")
    func publishesBelowHummingbird() async throws {
        var connection = try await ConnectionUnderTest()
        try await connection.send(publishRequest("one") + publishRequest("two"))
        let text = try await connection.receive { statuses($0).count == 2 && $0.hasSuffix("]}") }
        #expect(statuses(text) == [202, 202])
        let replay = try await connection.node.bus.replay(after: EventID(milliseconds: 0, sequence: 0), limit: 10)
        #expect(replay.events.map(\.data) == ["one", "two"])
        // Each answer names its own event, in the order asked.
        let answered = text.components(separatedBy: #""ids":[""#).dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(answered == replay.events.map { Substring($0.id?.description ?? "none") })
        #expect(text.lowercased().contains("content-length: "))

        try await connection.send(publishRequest("three"))
        _ = try await connection.receive { statuses($0).count == 3 }
        try await connection.channel.close()
        #expect(try await connection.value.verdict.get() == .closed)
    }

    @Test("a publish pipelined behind a request for Hummingbird is answered after it, and a request behind a publish after the publish")
    func publishesInOrderWithHummingbird() async throws {
        var connection = try await ConnectionUnderTest()
        let served = connection.serve()
        try await connection.send(healthRequest + publishRequest("one") + healthRequest + publishRequest("two"))
        let text = try await connection.receive { statuses($0).count == 4 && $0.hasSuffix("]}") }
        #expect(statuses(text) == [200, 202, 200, 202])
        #expect(try await connection.value.verdict.get() == .hummingbird)
        try await connection.channel.close()
        await served.value
    }

    @Test("what arrives while a publish is answered waits for its answer, and the connection is not read further meanwhile")
    func requestsWaitForPublish() async throws {
        let hold = PublishHold()
        var connection = try await ConnectionUnderTest(node: ChorusNode(bus: InMemoryBus(historyCapacity: 16), hooks: hold.hooks))
        let reads = ReadCounter()
        try await connection.channel.pipeline.addHandler(reads, position: .first)
        let served = connection.serve()
        try await connection.send(publishRequest("one"))
        try await connection.waitUntil { hold.arrived == 1 }
        try await connection.send(healthRequest)
        // A read as the socket asks for one after each (auto-read), from the pipeline's tail.
        connection.channel.read()
        try await connection.channel.testingEventLoop.executeInContext {}
        #expect(reads.count == 0, "the socket is read again while a request waits for a publish's answer")
        #expect(try await connection.received().isEmpty, "a request behind a publish was answered before it")

        hold.open()
        let text = try await connection.receive { statuses($0).count == 2 }
        #expect(statuses(text) == [202, 200])
        #expect(reads.count >= 1, "the held read is never let through")
        try await connection.channel.close()
        await served.value
    }

    @Test("a publish body over the limit is answered 413 before it has all arrived; the rest of it is dropped and the next request served")
    func publishTooLarge() async throws {
        var connection = try await ConnectionUnderTest(node: ChorusNode(configuration: .init(maximumPublishBytes: 64), bus: InMemoryBus(historyCapacity: 16)))
        let body = #"{"scope":"doc","data":""# + String(repeating: "x", count: 200) + #""}"#
        let head = "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        try await connection.send(head + body.prefix(100))
        let refusal = try await connection.receive { $0.hasSuffix("}}") }
        #expect(statuses(refusal) == [413])
        #expect(refusal.contains(#""code":"payload-too-large""#))

        try await connection.send(String(body.dropFirst(100)) + publishRequest("small"))
        let text = try await connection.receive { statuses($0).count == 2 && $0.hasSuffix("]}") }
        #expect(statuses(text) == [413, 202])
        let replay = try await connection.node.bus.replay(after: EventID(milliseconds: 0, sequence: 0), limit: 10)
        #expect(replay.events.map(\.data) == ["small"])
        try await connection.channel.close()
    }

    @Test("what is not HTTP after a publish gets Hummingbird's 400, after the publish's answer")
    func malformedAfterPublish() async throws {
        var connection = try await ConnectionUnderTest()
        let served = connection.serve()
        try await connection.send(publishRequest("one") + "\u{0}garbage\r\n\r\n")
        let text = try await connection.receive { statuses($0).count == 2 }
        #expect(statuses(text) == [202, 400])
        #expect(try await connection.value.verdict.get() == .hummingbird)
        try await connection.channel.closeFuture.get()
        await served.value
    }

    @Test("a publish asking to close is answered, then the connection closes")
    func publishThenClose() async throws {
        var connection = try await ConnectionUnderTest()
        try await connection.send(publishRequest("one", headers: "Connection: close\r\n") + publishRequest("never"))
        let text = try await connection.receive { $0.hasSuffix("]}") }
        #expect(statuses(text) == [202])
        #expect(text.lowercased().contains("connection: close\r\n"))
        try await connection.channel.closeFuture.get()
        let replay = try await connection.node.bus.replay(after: EventID(milliseconds: 0, sequence: 0), limit: 10)
        #expect(replay.events.map(\.data) == ["one"])
    }

    @Test("a publisher that stops sending gets its answer, then the connection closes")
    func publishThenInputClosed() async throws {
        let hold = PublishHold()
        var connection = try await ConnectionUnderTest(node: ChorusNode(bus: InMemoryBus(historyCapacity: 16), hooks: hold.hooks))
        try await connection.send(publishRequest("one"))
        try await connection.waitUntil { hold.arrived == 1 }
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        try await connection.channel.testingEventLoop.executeInContext {}
        #expect(connection.channel.isActive, "the connection closed before the publish was answered")
        hold.open()
        let text = try await connection.receive { $0.hasSuffix("]}") }
        #expect(statuses(text) == [202])
        try await connection.channel.closeFuture.get()
        #expect(try await connection.value.verdict.get() == .closed)
    }
}
