import ChorusAuth
import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

/// What one misbehaving client must not be able to do to a node: hold a slot it no longer uses,
/// publish from another site through a browser, or mute a stream with a crafted id.
@Suite("Hostile clients")
struct HostileClientTests {
    @Test("a client that resets before the response head is written leaves no connection and no presence behind")
    func resetBeforeHead() async throws {
        let inner = InMemoryBus(historyCapacity: 100)
        let bus = GatedReplayBus(inner, historyRead: .afterGate)
        try await TestNode.withNode(bus: bus, { $0.maximumConnections = 3 }) { node in
            let id = try await node.publish("room", "before")
            // Each request waits in its replay (registered in the Hub, present in the scope) while
            // its client resets the connection; then the replays go on and find no one to write to.
            var clients: [RawConnection] = []
            for index in 1...3 {
                let client = try RawConnection(port: node.port)
                client.write("GET /events?scope=room&session=ghost-\(index) HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(id)\r\n\r\n")
                clients.append(client)
                #expect(await eventually { bus.waitingReplays == index })
            }
            #expect(node.hub.connectionCount == 3)
            for client in clients { client.reset() }
            // Let the node see the resets before the heads are written (the case under test); if it
            // has not yet, the writes fail instead, which must release everything just the same.
            try await Task.sleep(for: .milliseconds(300))
            bus.open()
            #expect(await eventually { node.hub.connectionCount == 0 }, "still registered: \(node.hub.connectionCount)")
            #expect(try await eventually { try await inner.presence(in: "room").isEmpty })
            // The node at its cap of 3 takes new subscribers again.
            let subscriber = try await node.subscribe(["room"])
            try await node.publish("room", "after")
            #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["after"])
            subscriber.close()
        }
    }

    @Test("publishing needs Content-Type application/json: a form post gets 415 and publishes nothing")
    func publishNeedsJSON() async throws {
        try await TestNode.withNode { node in
            let subscriber = try await node.subscribe(["demo"])
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp"] {
                let result = try await node.postPublish(#"{"scope":"demo","data":"<script>alert(1)</script>"}"#, contentType: type)
                #expect(result.status == 415, "\(type): \(result.status) \(result.text)")
                #expect(result.text.contains(#""code":"unsupported-media-type""#), "\(result.text)")
            }
            let accepted = try await node.postPublish(#"{"scope":"demo","data":"json"}"#, contentType: "application/json; charset=utf-8")
            #expect(accepted.status == 202)
            #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["json"])
            subscriber.close()
        }
    }

    @Test("a browser request from another site may not publish or close users, even in development mode")
    func crossSiteRefused() async throws {
        try await TestNode.withNode { node in
            let body = Array(#"{"scope":"demo","data":"forged"}"#.utf8)
            let json = ("Content-Type", "application/json")
            let crossSite: [[(String, String)]] = [
                [json, ("Origin", "http://evil.example")],
                [json, ("Origin", "null")],
                [json, ("Sec-Fetch-Site", "cross-site")],
                [json, ("Sec-Fetch-Site", "same-site"), ("Origin", "http://sub.127.0.0.1:\(node.port)")],
            ]
            for headers in crossSite {
                let publish = try await node.client.send(.POST, "/publish", headers: headers, body: body)
                #expect(publish.status == 403, "\(headers): \(publish.text)")
                #expect(publish.text.contains(#""code":"cross-site-request""#), "\(publish.text)")
                let close = try await node.client.send(.POST, "/users/alice/close", headers: headers)
                #expect(close.status == 403, "\(headers): \(close.text)")
            }
            #expect(try await node.node.bus.replay(after: .zero).events.isEmpty)
            // The node's own pages (same origin) and backends (no Origin at all) still publish.
            for headers in [[json, ("Origin", "http://127.0.0.1:\(node.port)"), ("Sec-Fetch-Site", "same-origin")], [json]] {
                #expect(try await node.client.send(.POST, "/publish", headers: headers, body: body).status == 202)
            }
        }
    }

    @Test("a Last-Event-ID from the future gets a reset, then live events: never a silent mute")
    func futureLastEventID() async throws {
        try await TestNode.withNode { node in
            try await node.publish("s", "old")
            let future = EventID(milliseconds: wallClockMilliseconds() + 86_400_000, sequence: 0)
            let subscriber = try await node.subscribe(["s"], lastEventID: future.description)
            #expect(await eventually { node.hub.connectionCount == 1 })
            try await node.publish("s", "live")
            let events = try #require(await subscriber.waitFor(count: 2), "got \(subscriber.events)")
            #expect(events.map(\.type) == [ControlFrames.resetEventName, "message"])
            #expect(events[1].data == "live")
            subscriber.close()
        }
    }

    @Test("ids are compared as exact bytes: é (U+00E9) and e + U+0301 are two users and two scopes")
    func unicodeEquivalentIDs() async throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        #expect(composed == decomposed)  // what Swift's String equality says, and must not decide here
        try await TestNode.withNode(AuthFixtures.configure) { node in
            let key = AuthFixtures.publisherKey
            let user = try await node.subscribe(["room"], token: try await AuthFixtures.token(decomposed))
            let scoped = try await node.subscribe(["caf\(decomposed)"], token: try await AuthFixtures.token("bob"))
            #expect(await eventually { node.hub.connectionCount == 2 })
            try await node.publish("room", "for the other user", audience: [composed], key: key)
            try await node.publish("caf\(composed)", "for the other scope", key: key)
            try await node.publish("room", "for this user", audience: [decomposed], key: key)
            try await node.publish("caf\(decomposed)", "for this scope", key: key)
            #expect(await user.waitFor(count: 1)?.map(\.data) == ["for this user"])
            #expect(await scoped.waitFor(count: 1)?.map(\.data) == ["for this scope"])
            // Closing the other user closes nobody here.
            let closed = try await node.client(key: key).send(.POST, "/users/\(PercentEncoding.encode(composed))/close")
            #expect(closed.status == 202)
            try await node.publish("room", "still here", key: key)
            #expect(await user.waitFor(count: 2)?.map(\.data) == ["for this user", "still here"])
            #expect(user.events.allSatisfy { $0.type != ControlFrames.closeEventName })
            user.close()
            scoped.close()
        }
    }

    @Test("an HTTP/1.0 client gets its stream unchunked, ended by closing the connection")
    func http10Stream() async throws {
        try await TestNode.withNode { node in
            let client = try RawConnection(port: node.port)
            client.write("GET /events?scope=s HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n")
            let head = await client.read(until: "retry: 2000\n\n", containing: true)
            #expect(head.hasPrefix("HTTP/1.0 200") || head.hasPrefix("HTTP/1.1 200"), "\(head)")
            #expect(!head.lowercased().contains("transfer-encoding"), "\(head)")
            #expect(head.contains("\r\n\r\nretry: 2000\n\n"), "the body must start with the retry line, unframed: \(head)")
            try await node.publish("s", "hello")
            let event = await client.read(until: "data: hello\n\n", containing: true)
            #expect(event.hasPrefix("id: ") && event.hasSuffix("data: hello\n\n"), "\(event)")
            // Events that reach the node together go out as one run (`FrameRun`): unframed too.
            _ = try await node.node.bus.publish(["one", "two", "three"].map { Envelope(scope: "s", data: $0) })
            let run = await client.read(until: "data: three\n\n", containing: true)
            #expect(!run.contains("\r\n"), "no chunk framing for an HTTP/1.0 client: \(run)")
            #expect(run.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: "\n").last ?? "" }
                == ["data: one", "data: two", "data: three"], "\(run)")
        }
    }

    @Test("a client that asks for an old Last-Event-ID and never reads is cut off; one that reads gets the whole replay")
    func stalledReplay() async throws {
        try await TestNode.withNode({ $0.heartbeatInterval = .seconds(1) }) { node in
            let payload = String(repeating: "x", count: 10 * 1024)
            var ids: [EventID] = []
            for index in 0..<500 {
                ids += try await node.node.bus.publish([Envelope(scope: "s", data: "\(index) \(payload)")])
            }
            let stalled = try RawConnection(port: node.port, receiveBuffer: 4096)
            stalled.write("GET /events?scope=s HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(ids[0])\r\n\r\n")
            let reader = try await node.subscribe(["s"], lastEventID: ids[0].description)
            let events = try #require(await reader.waitFor(count: 499, timeout: .seconds(60)))
            #expect(events.map { $0.data.prefix { $0 != " " } } == (1..<500).map { Substring("\($0)") })
            #expect(events.map(\.lastEventID) == ids.dropFirst().map(\.description))
            // The stalled one made no progress for several heartbeats: it was cut off like any slow
            // client, and the node's socket is gone (checked without reading from the client,
            // which would let its replay go on).
            let port = stalled.localPort
            #expect(await eventually(timeout: .seconds(30)) { node.hub.connectionCount == 1 })
            #expect(await eventually { KernelSocket.find(localPort: node.port, remotePort: port) == nil })
            reader.close()
        }
    }

    @Test("a slow client that is cut off is reset: what was queued for it is dropped, not left to the kernel")
    func slowClientReset() async throws {
        try await TestNode.withNode({ $0.queueCapacity = 8 }) { node in
            let stalled = try RawConnection(port: node.port, receiveBuffer: 4096)
            stalled.write("GET /events?scope=feed HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await eventually { node.hub.connectionCount == 1 })
            let payload = String(repeating: "x", count: 16 * 1024)
            for index in 0..<2000 where node.hub.connectionCount > 0 {
                try await node.publish("feed", "\(index) \(payload)")
            }
            #expect(await eventually { node.hub.connectionCount == 0 })
            // Closed with a reset, the node's socket is gone at once with what it still had to send.
            // (A plain close would leave it in the kernel as an orphan that keeps trying to deliver
            // that data to a client that does not read.) Whether the client sees the reset depends
            // on its kernel's challenge-ACK limits, so the node's side is what is checked.
            let port = stalled.localPort
            var last: KernelSocket?
            #expect(await eventually {
                last = KernelSocket.find(localPort: node.port, remotePort: port)
                return last == nil
            }, "the node's socket is still there: \(String(describing: last))")
        }
    }

    @Test("slowloris: a request head that never completes is closed after the head timeout, and waiting connections are capped")
    func slowloris() async throws {
        try await TestNode.withNode({
            $0.requestHeadTimeout = .seconds(1)
            $0.maximumIdleConnections = 10
        }) { node in
            var partial: [RawConnection] = []
            for _ in 0..<40 {
                let client = try RawConnection(port: node.port)
                client.write("GET /events?scope=s HTTP/1.1\r\nHost: x\r\n")
                partial.append(client)
            }
            // The longest-waiting were closed to make room: at most 10 wait at any time.
            #expect(await eventually { partial.filter { $0.ending() == .open }.count <= 10 })
            // The node answers as usual meanwhile, and a stream opened now stays open past the timeout.
            #expect(try await node.client.send(.GET, "/healthz").status == 200)
            let subscriber = try await node.subscribe(["s"])
            // After the head timeout not one half-sent head is left.
            #expect(await eventually(timeout: .seconds(10)) { partial.allSatisfy { $0.ending() != .open } })
            try await Task.sleep(for: .seconds(2))
            try await node.publish("s", "still streaming")
            #expect(await subscriber.waitFor(count: 1)?.map(\.data) == ["still streaming"])
            subscriber.close()
        }
    }

    @Test("presence is bounded per connection: many long scopes are refused with 400 presence-too-large, and nothing is recorded")
    func presenceBounded() async throws {
        let bus = InMemoryBus(historyCapacity: 10)
        try await TestNode.withNode(bus: bus, { $0.maximumPresenceBytes = 4096 }) { node in
            let scopes = (0..<64).map { "room:\($0):" + String(repeating: "x", count: 200) }
            let query = scopes.map { "scope=\($0)" }.joined(separator: "&")
            let refused = try await node.client.send(.GET, "/events?\(query)&session=" + String(repeating: "s", count: 200))
            #expect(refused.status == 400)
            #expect(refused.text.contains(#""code":"presence-too-large""#), "\(refused.text)")
            #expect(node.hub.connectionCount == 0)
            #expect(try await bus.presence(in: scopes[0]).isEmpty)
            // A stream of ordinary size is recorded as before.
            let subscriber = try await node.subscribe(["room:1"], session: "tab-1")
            #expect(try await eventually { try await bus.presence(in: "room:1").count == 1 })
            subscriber.close()
        }
    }

    @Test("with anonymous presence off, anonymous streams work but are not recorded; signed-in ones are")
    func anonymousPresenceOff() async throws {
        let bus = InMemoryBus(historyCapacity: 10)
        try await TestNode.withNode(bus: bus, {
            AuthFixtures.configure(&$0)
            $0.anonymousPresence = false
        }) { node in
            let anonymous = try await node.subscribe(["room"], session: "anon-tab")
            let alice = try await node.subscribe(["room"], token: try await AuthFixtures.token("alice"))
            #expect(try await eventually { try await bus.presence(in: "room").count == 1 })
            #expect(try await bus.presence(in: "room").map(\.userID) == ["alice"])
            try await node.publish("room", "hello", key: AuthFixtures.publisherKey)
            #expect(await anonymous.waitFor(count: 1)?.map(\.data) == ["hello"])
            anonymous.close()
            alice.close()
        }
    }

    @Test("a browser page on an allowed origin may publish; its site is otherwise refused")
    func allowedOrigin() async throws {
        try await TestNode.withNode({ $0.allowedOrigins = ["https://app.example.com"] }) { node in
            let body = Array(#"{"scope":"demo","data":"from the app"}"#.utf8)
            let allowed = try await node.client.send(.POST, "/publish", headers: [("Content-Type", "application/json"), ("Origin", "https://app.example.com"), ("Sec-Fetch-Site", "cross-site")], body: body)
            #expect(allowed.status == 202, "\(allowed.text)")
            let other = try await node.client.send(.POST, "/publish", headers: [("Content-Type", "application/json"), ("Origin", "https://evil.example.com"), ("Sec-Fetch-Site", "cross-site")], body: body)
            #expect(other.status == 403)
        }
    }

    @Test("development mode refuses a loopback request that names another host (DNS rebinding)")
    func dnsRebinding() async throws {
        try await TestNode.withNode { node in
            let body = Array(#"{"scope":"demo","data":"rebound"}"#.utf8)
            for host in ["evil.example:\(node.port)", "127.evil.example", "localhost.evil.example"] {
                let result = try await node.client.send(.POST, "/publish", headers: [("Content-Type", "application/json"), ("Host", host)], body: body)
                #expect(result.status == 401, "\(host): \(result.text)")
            }
            for host in ["localhost:\(node.port)", "127.0.0.1:\(node.port)", "[::1]:\(node.port)"] {
                let result = try await node.client.send(.POST, "/publish", headers: [("Content-Type", "application/json"), ("Host", host)], body: body)
                #expect(result.status == 202, "\(host): \(result.text)")
            }
        }
    }

    @Test("the console page may not be framed by another site")
    func antiFraming() async throws {
        try await TestNode.withNode { node in
            let page = try await node.client.send(.GET, "/console")
            #expect(page.headers["X-Frame-Options"].first == "DENY")
            #expect(page.headers["Content-Security-Policy"].first == "frame-ancestors 'none'")
        }
    }
}
