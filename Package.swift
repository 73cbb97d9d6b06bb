// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Tests read better without an import line for every module a member comes from.
let testSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "chorus",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ChorusCore", targets: ["ChorusCore"]),
        .library(name: "ChorusServer", targets: ["ChorusServer"]),
        .library(name: "ChorusClient", targets: ["ChorusClient"]),
        .library(name: "ChorusRedis", targets: ["ChorusRedis"]),
        .library(name: "ChorusAuth", targets: ["ChorusAuth"]),
        .library(name: "ChorusReactive", targets: ["ChorusReactive"]),
        // An embedder tests their own `Bus` with `BusContract` and their app with `TestNode`.
        .library(name: "ChorusTesting", targets: ["ChorusTesting"]),
        .executable(name: "chorus", targets: ["chorus"]),
        .executable(name: "chorus-bench", targets: ["chorus-bench"]),
        .executable(name: "chorus-alloc", targets: ["chorus-alloc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Settings from flags, CHORUS_* variables, a secrets directory and a JSON or YAML file.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The Swift client for backends: TLS, a keep-alive pool, timeouts.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // hiredis, from Debian's libhiredis-dev. Nothing but the module map and its header.
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // Pure Swift, no I/O: envelope, ids, delivery rule, SSE encoding and parsing, history, the Bus contract.
        .target(
            name: "ChorusCore",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Redis bus over hiredis: connections, subscribe loop, publish, history, liveness.
        .target(
            name: "ChorusRedis",
            dependencies: [
                "ChorusCore",
                "CHiredis",
                .product(name: "Logging", package: "swift-log"),
                // TLS to Redis: a relay between hiredis' socket and a NIOSSL connection (TLS/).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Subscriber tokens (JWT, HS256, through jwt-kit): verify and mint. jwt-kit stays behind this module.
        .target(
            name: "ChorusAuth",
            dependencies: [
                "ChorusCore",
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The node: Hub, SSE writer, HTTP routes, configuration (and assembling a node from it:
        // the bus is the in-memory one or Redis), logging, lifecycle.
        .target(
            name: "ChorusServer",
            dependencies: [
                "ChorusCore",
                "ChorusAuth",
                "ChorusRedis",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            // The browser script, compiled into the binary: no resource bundle to find at run time.
            resources: [.embedInCode("Resources/chorus.js")],
            swiftSettings: swiftSettings
        ),
        // Reactive htmx blocks: mustache templates with named blocks, rendered as out-of-band swaps; htmx builders.
        .target(
            name: "ChorusReactive",
            dependencies: [
                "ChorusCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // `chorus serve --demo`: a live shared document on reactive blocks, presence and private notes.
        .target(
            name: "ChorusDemo",
            dependencies: [
                "ChorusCore",
                "ChorusServer",
                "ChorusReactive",
                "ChorusRedis",
                "ChorusAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Swift client for backends on AsyncHTTPClient (`ChorusClient`: publish with retries,
        // presence, close-user, streams), and the small raw HTTP/1.1 client on SwiftNIO the tests use.
        .target(
            name: "ChorusClient",
            dependencies: [
                "ChorusCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: serve, publish.
        .executableTarget(
            name: "chorus",
            dependencies: [
                "ChorusServer",
                "ChorusClient",
                "ChorusRedis",
                "ChorusAuth",
                "ChorusDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The load generator: SSE subscribers and publishers on SwiftNIO, latency in HdrHistograms.
        .target(
            name: "ChorusBench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // `chorus-bench`: the load generator's command line (Chorus and Nchan alike).
        .executableTarget(
            name: "chorus-bench",
            dependencies: [
                "ChorusBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Counts heap allocations by replacing malloc & co. Linked into `chorus-alloc` only: never
        // into a library, since it replaces the allocator of the whole process.
        .target(name: "CAllocCounter"),
        // `chorus-alloc`: allocations per publish, per stream setup and per fan-out, against the
        // committed budgets (`scripts/alloc-budgets.sh`, in CI).
        .executableTarget(
            name: "chorus-alloc",
            dependencies: [
                "CAllocCounter",
                "ChorusCore",
                "ChorusServer",
                "ChorusTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: the Bus contract, a node in the test's process (TestNode), free ports,
        // child processes (nodes, redis-server, an nginx proxy), waiting for readiness.
        .target(
            name: "ChorusTesting",
            dependencies: [
                "ChorusCore",
                "ChorusClient",
                "ChorusServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChorusCoreTests",
            dependencies: ["ChorusCore", "ChorusTesting"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ChorusReactiveTests",
            dependencies: ["ChorusReactive", "ChorusCore", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ChorusAuthTests",
            dependencies: ["ChorusAuth", "ChorusCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ChorusBenchTests",
            dependencies: ["ChorusBench", "ChorusTesting"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ChorusRedisTests",
            dependencies: ["ChorusRedis", "ChorusTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ChorusDemoTests",
            dependencies: ["ChorusDemo", "ChorusReactive", "ChorusRedis", "ChorusTesting", "ChorusCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: testSwiftSettings
        ),
        // Several `chorus` node processes and a real redis-server: what a cluster's users rely on.
        .testTarget(
            name: "ChorusClusterTests",
            dependencies: ["chorus", "ChorusClient", "ChorusTesting", "ChorusAuth"],
            swiftSettings: testSwiftSettings
        ),
        // The backend client against real nodes, over TLS through a proxy, across a Redis outage.
        .testTarget(
            name: "ChorusClientTests",
            dependencies: [
                "chorus",
                "ChorusClient",
                "ChorusTesting",
                "ChorusCore",
                "ChorusAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "ChorusServerTests",
            dependencies: [
                "ChorusServer",
                "ChorusClient",
                "ChorusTesting",
                "ChorusAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // The stream handler's unit tests run on NIOAsyncTestingChannel (Engine/).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: testSwiftSettings
        ),
    ]
)
