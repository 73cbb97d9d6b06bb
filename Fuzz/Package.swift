// swift-tools-version:6.1
// Fuzz targets for Chorus's parsers of untrusted input, under libFuzzer. Kept out of the main
// package so that an ordinary `swift build` never sees them. Build and run with scripts/fuzz.sh.
import PackageDescription

let core = Target.Dependency.product(name: "ChorusCore", package: "chorus")

/// One executable per parser, each with FuzzSupport's driver.
func fuzzer(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzSupport", core] + dependencies)
}

let package = Package(
    name: "chorus-fuzz",
    // The root package, named so that its products can be referred to whatever its directory is called.
    dependencies: [.package(name: "chorus", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        fuzzer("json"),
        fuzzer("publish-request"),
        fuzzer("sse"),
        fuzzer("eventid"),
        fuzzer("scope-pattern"),
        fuzzer("wire-format"),
        fuzzer("channel-message", [.product(name: "ChorusRedis", package: "chorus")]),
        fuzzer("redis-url", [.product(name: "ChorusRedis", package: "chorus")]),
        // Compiles ChorusAuth's TokenHeader.swift itself (see its main.swift) instead of linking jwt-kit.
        fuzzer("token-header"),
        fuzzer("html-scanner", [.product(name: "ChorusReactive", package: "chorus")]),
        fuzzer("mustache-outline", [.product(name: "ChorusReactive", package: "chorus")]),
    ]
)
