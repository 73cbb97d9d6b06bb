import ChorusCore
import ChorusServer
import Foundation
import Hummingbird
import Testing

/// `docs/openapi.yaml` is what API users and schemathesis (`scripts/api-check.sh`) read: these
/// tests fail when a route or an error code is added to the node without it.
@Suite("docs/openapi.yaml and the node's code say the same")
struct OpenAPITests {
    @Test("it documents exactly the routes the node serves")
    func routes() throws {
        let description = try OpenAPIDescription.load()
        let node = ChorusNode(bus: InMemoryBus(historyCapacity: 1))
        let served = Set(node.makeRouter().routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(!served.isEmpty)
        #expect(description.operations.subtracting(served).sorted() == [], "documented, but the node does not serve them")
        #expect(served.subtracting(description.operations).sorted() == [], "served by the node, but not in docs/openapi.yaml")
    }

    @Test("every error code in Sources/ChorusServer is among its routes' documented codes")
    func errorCodes() throws {
        let description = try OpenAPIDescription.load()
        let used = try OpenAPIDescription.errorCodesUsed(in: OpenAPIDescription.repository.appending(path: "Sources/ChorusServer"))
        // A scan that finds nothing would pass whatever the description says.
        #expect(used.contains("invalid-event") && used.contains("scope-forbidden"))
        #expect(used.subtracting(description.errorCodes).sorted() == [], "used in Sources/ChorusServer, but not in docs/openapi.yaml")
    }
}

/// A line-based reader of the parts of `docs/openapi.yaml` the tests compare: the operations under
/// `paths:` (a path at two spaces of indent, its methods at four) and the error codes, which the
/// description writes one route and status at a time as `code: {enum: [a, b]}`.
struct OpenAPIDescription {
    /// `"GET /events"`, `"POST /users/{id}/close"`, …
    var operations: Set<String> = []
    /// Every code some route documents.
    var errorCodes: Set<String> = []

    /// The repository root, found from this file's place in it.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func load() throws -> OpenAPIDescription {
        let text = try String(contentsOf: repository.appending(path: "docs/openapi.yaml"), encoding: .utf8)
        var description = OpenAPIDescription()
        var inPaths = false
        var path: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " ", first != "#" {
                inPaths = line.hasPrefix("paths:")
                continue
            }
            if inPaths, line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if inPaths, let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                      methods.contains(String(line.dropFirst(4).dropLast())) {
                description.operations.insert("\(line.dropFirst(4).dropLast().uppercased()) \(path)")
            }
            if let start = line.range(of: "code: {enum: ["), let end = line[start.upperBound...].firstIndex(of: "]") {
                for code in line[start.upperBound..<end].split(separator: ",") {
                    description.errorCodes.insert(code.trimmingCharacters(in: .whitespaces))
                }
            }
        }
        return description
    }

    /// The literal codes `APIError(…, code: "…")` and `APIError.badRequest("…", …)` get in the Swift
    /// files under `folder`.
    static func errorCodesUsed(in folder: URL) throws -> Set<String> {
        let pattern = try Regex(#"(?:code: |badRequest\()"([a-z0-9-]+)""#)
        var codes: Set<String> = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let code = match.output[1].substring { codes.insert(String(code)) }
            }
        }
        return codes
    }
}
