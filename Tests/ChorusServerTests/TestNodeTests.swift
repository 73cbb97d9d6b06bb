import ChorusTesting
import Testing

/// The test node's scope: no node outlives it, whatever its clients do.
@Suite("TestNode scope")
struct TestNodeTests {
    @Test("the scope waits for its node to stop: afterwards its port takes no connection")
    func scopeStopsTheNode() async throws {
        let port = try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["s"])
            try await node.publish("s", "hello")
            #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["hello"])
            // The stream is left open: the node's shutdown ends it.
            return node.port
        }
        #expect(throws: (any Error).self) { try RawConnection(port: port) }
    }

    @Test("a scope whose body threw still stops its node")
    func scopeStopsTheNodeOnError() async throws {
        struct Failure: Error {}
        var port = 0
        await #expect(throws: Failure.self) {
            try await TestNode.withNode { node in
                port = node.port
                _ = try await node.subscribe(["s"])
                throw Failure()
            }
        }
        #expect(port > 0)
        #expect(throws: (any Error).self) { try RawConnection(port: port) }
    }

    /// A client that stops reading mid-stream but keeps its socket open must not keep a node's
    /// graceful shutdown from finishing: the end of its response would wait for room in the
    /// socket forever, so the node resets it once its close event is written. (If it did not, the
    /// scope would cancel the node after ``TestNode/stopTimeout`` and throw.)
    @Test("the node stops gracefully, and its port is gone, even while a client that stopped reading keeps its socket open", .timeLimit(.minutes(1)))
    func scopeEndsDespiteAStalledClient() async throws {
        var port = 0
        let stalled = try await TestNode.withNode({ $0.queueCapacity = 1024 }) { node in
            port = node.port
            let client = try RawConnection(port: node.port, receiveBuffer: 4096)
            client.write("GET /events?scope=feed HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await eventually { node.hub.connectionCount == 1 })
            // Far more than the socket buffers hold, far fewer frames than the stream's queue: the
            // client is behind but not cut off.
            let payload = String(repeating: "x", count: 16 * 1024)
            for index in 0..<200 {
                try await node.publish("feed", "\(index) \(payload)")
            }
            #expect(node.hub.connectionCount == 1)
            // Returned, so the client stays open while the scope stops the node.
            return client
        }
        #expect(port > 0)
        #expect(throws: (any Error).self) { try RawConnection(port: port) }
        _ = stalled
    }
}
