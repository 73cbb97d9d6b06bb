import Foundation

/// Where the demo page loads htmx 2 and its SSE extension from.
public struct DemoAssets: Sendable {
    /// The htmx script URL.
    public var htmx: String
    /// The SSE extension script URL.
    public var sse: String
    /// Files the node serves itself under `/assets/` (path → body), when read from a folder.
    var files: [String: [UInt8]]

    /// htmx from unpkg.com: needs the browser to reach the internet.
    public static let unpkg = DemoAssets(
        htmx: "https://unpkg.com/htmx.org@2.0.4/dist/htmx.min.js",
        sse: "https://unpkg.com/htmx-ext-sse@2.2.2/sse.js",
        files: [:]
    )

    /// The two files read from `folder` (`htmx.min.js` and `sse.js`) and served by the node, so
    /// the page needs nothing from the internet. `scripts/fetch-htmx.sh` puts them there.
    public static func folder(_ folder: String) throws -> DemoAssets {
        var files: [String: [UInt8]] = [:]
        for name in ["htmx.min.js", "sse.js"] {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DemoStoreError("cannot read \(path): the folder needs htmx.min.js and sse.js (scripts/fetch-htmx.sh \(folder) fetches them)")
            }
            files[name] = Array(data)
        }
        return DemoAssets(htmx: "/assets/htmx.min.js", sse: "/assets/sse.js", files: files)
    }
}
