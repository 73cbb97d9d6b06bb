import ChorusClient
import ChorusCore
import ChorusServer
import ChorusTesting
import Testing

/// The series a node serves at `GET /metrics`, parsed from the Prometheus text exposition format.
/// Parsing is strict: a line that is not a comment, a blank or `name{label="value",…} number`
/// fails the test, so the scrape a Prometheus server would reject cannot pass.
struct Scrape {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    /// `# TYPE` per family.
    var types: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                    throw ChildProcessError("bad TYPE line: \(line)")
                }
                types[String(parts[2])] = String(parts[3])
            } else if line.hasPrefix("#") {
                continue
            } else {
                samples.append(try Self.sample(line))
            }
        }
    }

    private static func sample(_ line: Substring) throws -> Sample {
        let bad = ChildProcessError("not a Prometheus sample line: \(line)")
        let isNameCharacter: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
        let name = line.prefix(while: isNameCharacter)
        guard let first = name.first, !first.isNumber else { throw bad }
        var rest = line.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let label = rest.prefix(while: isNameCharacter)
                rest = rest.dropFirst(label.count)
                guard !label.isEmpty, rest.hasPrefix("=\"") else { throw bad }
                rest = rest.dropFirst(2)
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\" {
                        guard let escaped = rest.first else { throw bad }
                        rest = rest.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(character)
                    }
                }
                guard rest.first == "\"" else { throw bad }
                rest = rest.dropFirst()
                labels[String(label)] = value
                if rest.first == "," { rest = rest.dropFirst() }
            }
            rest = rest.dropFirst()
        }
        guard rest.first == " " else { throw bad }
        let valueText = rest.dropFirst().split(separator: " ").first.map(String.init) ?? ""
        let value: Double
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let number = Double(valueText) else { throw bad }
            value = number
        }
        return Sample(name: String(name), labels: labels, value: value)
    }

    /// The value of the sample `name` with exactly `labels`, or `nil`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Whether the family `name` is declared (with its `# TYPE`).
    func has(_ name: String, type: String) -> Bool { types[name] == type }
}

/// Reads `/metrics` from `port`.
func scrape(port: Int) async throws -> Scrape {
    let result = try await ChorusHTTPClient(endpoint: Endpoint(host: "127.0.0.1", port: port)).send(.GET, "/metrics")
    #expect(result.status == 200)
    #expect(result.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
    return try Scrape(String(decoding: result.body, as: UTF8.self))
}

@Suite("Prometheus metrics")
struct MetricsTests {
    static let counters = [
        "chorus_streams_opened_total", "chorus_streams_closed_total", "chorus_streams_refused_total",
        "chorus_publish_requests_total", "chorus_events_accepted_total", "chorus_frames_delivered_total",
        "chorus_bytes_written_total", "chorus_replays_total", "chorus_events_replayed_total",
        "chorus_bus_reconnects_total", "chorus_bus_probe_failures_total", "chorus_bus_gaps_total",
        "chorus_reactive_renders_total",
    ]
    static let gauges = ["chorus_streams_open", "chorus_bus_ready", "chorus_presence_entries"]
    static let histograms = [
        "chorus_publish_duration_seconds", "chorus_delivery_lag_seconds", "chorus_bus_probe_round_trip_seconds",
        "chorus_reactive_render_duration_seconds",
    ]

    @Test("GET /metrics parses as Prometheus text and has every series, with a close reason for each CloseReason")
    func everySeries() async throws {
        try await TestNode.withNode { node in
            let metrics = try await scrape(port: node.port)
            for name in Self.counters { #expect(metrics.has(name, type: "counter"), "\(name)") }
            for name in Self.gauges { #expect(metrics.has(name, type: "gauge"), "\(name)") }
            for name in Self.histograms {
                #expect(metrics.has(name, type: "histogram"), "\(name)")
                #expect(metrics.value("\(name)_bucket", ["le": "+Inf"]) == 0, "\(name)")
            }
            for reason in CloseReason.allCases {
                #expect(metrics.value("chorus_streams_closed_total", ["reason": reason.rawValue]) == 0, "\(reason)")
            }
            for outcome in ["complete", "reset"] {
                #expect(metrics.value("chorus_replays_total", ["outcome": outcome]) == 0)
            }
            #expect(metrics.value("chorus_bus_ready") == 1)
        }
    }

    @Test("3 events to 2 subscribers: 6 frames delivered, 3 events accepted, the streams and their lag counted")
    func deliveries() async throws {
        try await TestNode.withNode { node in
            let before = try await scrape(port: node.port)
            let first = try await node.subscribe(["room"])
            let second = try await node.subscribe(["room"])
            #expect(await eventually { node.hub.connectionCount(scope: "room") == 2 })
            for index in 0..<3 { try await node.publish("room", "event \(index)") }
            _ = try #require(await first.waitFor(count: 3))
            _ = try #require(await second.waitFor(count: 3))

            let after = try await scrape(port: node.port)
            let delta = { (name: String, labels: [String: String]) in (after.value(name, labels) ?? -1) - (before.value(name, labels) ?? 0) }
            #expect(delta("chorus_frames_delivered_total", [:]) == 6)
            #expect(delta("chorus_bytes_written_total", [:]) > 6 * Double("data: event 0\n\n".utf8.count))
            #expect(delta("chorus_events_accepted_total", [:]) == 3)
            #expect(delta("chorus_publish_requests_total", ["status": "202"]) == 3)
            #expect(delta("chorus_publish_duration_seconds_count", [:]) == 3)
            #expect(delta("chorus_streams_opened_total", [:]) == 2)
            #expect(after.value("chorus_streams_open") == 2)
            #expect(after.value("chorus_presence_entries") == 2)
            // Once per event per event-loop batch: 3 to 6, whatever loops the two streams are on.
            let lags = delta("chorus_delivery_lag_seconds_count", [:])
            #expect(lags >= 3 && lags <= 6)
            first.close()
            second.close()
            #expect(await eventually { (try? await scrape(port: node.port).value("chorus_streams_closed_total", ["reason": "client-gone"])) == 2 })
        }
    }

    @Test("refused streams are counted by reason: 401 for a bad token, 403 for a forbidden scope, 400 for no scope, capacity at the cap")
    func refusals() async throws {
        try await TestNode.withNode({ AuthFixtures.configure(&$0); $0.maximumConnections = 1 }) { node in
            let before = try await scrape(port: node.port)
            #expect(try await node.client.send(.GET, "/events?scope=s&token=not-a-token").status == 401)
            let narrow = try await AuthFixtures.token("ann", scopes: ["mine"])
            #expect(try await node.client.send(.GET, "/events?scope=other&token=\(narrow)").status == 403)
            #expect(try await node.client.send(.GET, "/events").status == 400)
            let token = try await AuthFixtures.token("ann")
            let holder = try await node.subscribe(["s"], token: token)
            #expect(await eventually { node.hub.connectionCount == 1 })
            #expect(try await node.client.send(.GET, "/events?scope=s&token=\(token)").status == 503)

            let after = try await scrape(port: node.port)
            for reason in ["401", "403", "400", "capacity"] {
                let delta = (after.value("chorus_streams_refused_total", ["reason": reason]) ?? -1) - (before.value("chorus_streams_refused_total", ["reason": reason]) ?? 0)
                #expect(delta == 1, "\(reason)")
            }
            #expect(after.value("chorus_streams_refused_total", ["reason": "503"]) == 0)
            holder.close()
        }
    }

    @Test("a client that stops reading is cut off and counted as closed for overflow")
    func slowClientClosed() async throws {
        try await TestNode.withNode({ $0.queueCapacity = 16 }) { node in
            let stalled = try StalledClient(port: node.port, path: "/events?scope=feed")
            #expect(await eventually { node.hub.connectionCount(scope: "feed") == 1 })
            let payload = String(repeating: "x", count: 16 * 1024)
            // Far more than the socket buffers hold; stops once the client is cut off.
            for index in 0..<400 where node.hub.connectionCount(scope: "feed") == 1 {
                try await node.publish("feed", "\(index) \(payload)")
            }
            #expect(await eventually { stalled.isClosedByServer })
            #expect(await eventually { (try? await scrape(port: node.port).value("chorus_streams_closed_total", ["reason": "overflow"])) == 1 })
        }
    }

    @Test("a replay past the history counts as a reset, one within it as complete with its events")
    func replays() async throws {
        try await TestNode.withNode(bus: InMemoryBus(historyCapacity: 3)) { node in
            let old = try await node.publish("doc", "0")
            var ids: [EventID] = []
            for index in 1...5 { ids.append(try await node.publish("doc", "\(index)")) }
            let reset = try await node.subscribe(["doc"], lastEventID: old.description)
            _ = try #require(await reset.waitFor(count: 1))
            let complete = try await node.subscribe(["doc"], lastEventID: ids[2].description)
            _ = try #require(await complete.waitFor(count: 2))

            let metrics = try await scrape(port: node.port)
            #expect(metrics.value("chorus_replays_total", ["outcome": "reset"]) == 1)
            #expect(metrics.value("chorus_replays_total", ["outcome": "complete"]) == 1)
            #expect(metrics.value("chorus_events_replayed_total") == 2)
            reset.close()
            complete.close()
        }
    }

    @Test("with a metrics address, /metrics is served there and not on the main port")
    func separateListener() async throws {
        let metricsPort = FreePort.next()
        try await TestNode.withNode({ $0.metricsAddress = ListenAddress(host: "127.0.0.1", port: metricsPort) }) { node in
            #expect(try await node.client.send(.GET, "/metrics").status == 404)
            #expect(await eventually { FreePort.isListening(metricsPort) })
            try await node.publish("s", "one")
            let metrics = try await scrape(port: metricsPort)
            #expect(metrics.value("chorus_events_accepted_total") == 1)
        }
    }

    @Test("ListenAddress parses host:port and refuses anything else")
    func listenAddress() {
        #expect(ListenAddress("127.0.0.1:9090") == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(ListenAddress("[::1]:9090") == ListenAddress(host: "::1", port: 9090))
        for bad in ["", "9090", ":9090", "host:", "host:65536", "host:+80", "host:9x", "host:123456"] {
            #expect(ListenAddress(bad) == nil, "\(bad)")
        }
    }

    @Test("chorus serve: Hummingbird's request metrics land in the node's registry and leave /events out")
    func requestMetricsSkipStreams() async throws {
        let node = try await NodeProcess.start()
        let stream = try await node.subscribe(["s"])
        #expect(try await node.anonymousClient.send(.GET, "/healthz").status == 200)
        let metrics = try await scrape(port: node.port)
        #expect(metrics.value("chorus_streams_open") == 1)
        let routes = Set(metrics.samples.filter { $0.name == "hb_requests" }.compactMap { $0.labels["http_route"] })
        #expect(routes.contains("/healthz"))
        #expect(!routes.contains("/events"))
        // The scrape itself is the one GET in flight; the open stream is not a request in flight.
        #expect(await eventually(timeout: .seconds(5)) {
            (try? await scrape(port: node.port).value("http_server_active_requests", ["http_request_method": "GET"])) == 1
        })
        stream.close()
        _ = await node.stop()
    }

    @Test("chorus serve --metrics off serves no /metrics")
    func metricsOff() async throws {
        let node = try await NodeProcess.start(["--metrics", "off"])
        #expect(try await node.anonymousClient.send(.GET, "/metrics").status == 404)
        _ = await node.stop()
    }
}
