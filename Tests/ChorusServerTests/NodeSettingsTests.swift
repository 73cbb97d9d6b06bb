import ChorusServer
import Foundation
import Testing

/// A scratch folder with files, removed when the test ends.
private struct Folder: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "chorus-settings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("Node settings: flags, variables, secrets and a configuration file")
struct NodeSettingsTests {
    let secretA = String(repeating: "a", count: 32)
    let secretB = String(repeating: "b", count: 32)

    /// One row: which sources set the value, and which value must win.
    struct Row: Sendable, CustomTestStringConvertible {
        var flag: String?
        var variable: String?
        var file: String?
        var expected: String
        var testDescription: String { "flag \(flag ?? "-") variable \(variable ?? "-") file \(file ?? "-") → \(expected)" }
    }

    static let rows: [Row] = [
        Row(flag: "7s", variable: "8s", file: "9s", expected: "7s"),
        Row(flag: nil, variable: "8s", file: "9s", expected: "8s"),
        Row(flag: nil, variable: nil, file: "9s", expected: "9s"),
        Row(flag: nil, variable: nil, file: nil, expected: "15s"),
        Row(flag: "7s", variable: nil, file: nil, expected: "7s"),
        Row(flag: nil, variable: "8s", file: nil, expected: "8s"),
    ]

    @Test("a flag wins over a variable, a variable over the file, the file over the default", arguments: rows)
    func precedence(row: Row) async throws {
        let folder = try Folder()
        var flags: [String: [String]] = [:]
        var environment: [String: String] = [:]
        var file = ""
        // The same row for a duration, a number, a list and a string: each key goes through
        // every source the same way.
        let port = ["7s": "7001", "8s": "7002", "9s": "7003", "15s": "8080"]
        let origins = ["7s": "https://flag.example", "8s": "https://variable.example", "9s": "https://file.example", "15s": ""]
        if let flag = row.flag {
            flags = ["heartbeat": [flag], "port": [port[flag]!], "cors-origins": [origins[flag]!], "node-id": ["from-" + flag]]
        }
        if let variable = row.variable {
            environment = ["CHORUS_HEARTBEAT": variable, "CHORUS_PORT": port[variable]!, "CHORUS_CORS_ORIGINS": origins[variable]!, "CHORUS_NODE_ID": "from-" + variable]
        }
        if let value = row.file {
            file = "heartbeat: \(value)\nport: \(port[value]!)\ncors-origins:\n  - \(origins[value]!)\nnode-id: from-\(value)\n"
        }
        environment["CHORUS_CONFIG"] = try folder.write("chorus.yaml", file)
        let settings = try await NodeSettings.load(flags: flags, environment: environment)
        #expect(settings.node.heartbeatInterval == DurationText.parse(row.expected))
        #expect(settings.node.port == Int(port[row.expected]!))
        #expect(settings.node.allowedOrigins == (row.expected == "15s" ? [] : [origins[row.expected]!]))
        #expect(settings.node.nodeID == (row.expected == "15s" ? "127.0.0.1:8080" : "from-" + row.expected))
    }

    @Test("JSON files work as YAML ones do, numbers and booleans included")
    func jsonFile() async throws {
        let folder = try Folder()
        let path = try folder.write("chorus.json", #"{"history": 500, "anonymous-presence": false, "publisher-keys": ["0123456789abcdef0"], "log-format": "json"}"#)
        let settings = try await NodeSettings.load(flags: ["config": [path]], environment: [:])
        #expect(settings.historyCapacity == 500)
        #expect(settings.node.anonymousPresence == false)
        #expect(settings.node.auth.publisherKeys == ["0123456789abcdef0"])
        #expect(settings.logFormat == .json)
    }

    @Test("secrets come from files: a …_FILE variable, a …-file key, and a secrets directory as Kubernetes mounts it")
    func secretsFromFiles() async throws {
        let folder = try Folder()
        let secretFile = try folder.write("token", secretB + "\n")
        var settings = try await NodeSettings.load(environment: ["CHORUS_TOKEN_SECRET_FILE": secretFile])
        #expect(settings.tokenSecret == secretB)
        #expect(settings.node.auth.tokenVerifier != nil)

        let config = try folder.write("chorus.yaml", "token-secret-file: \(secretFile)\n")
        settings = try await NodeSettings.load(environment: ["CHORUS_CONFIG": config])
        #expect(settings.tokenSecret == secretB)

        try FileManager.default.createDirectory(atPath: folder.path + "/secrets", withIntermediateDirectories: true)
        _ = try folder.write("secrets/token-secret", secretA)
        _ = try folder.write("secrets/publisher-keys", "first-key-0123456789\nsecond-key-0123456789\n")
        settings = try await NodeSettings.load(flags: ["secrets-dir": [folder.path + "/secrets"]], environment: [:])
        #expect(settings.tokenSecret == secretA)
        #expect(settings.node.auth.publisherKeys == ["first-key-0123456789", "second-key-0123456789"])
        // A variable still wins over the directory.
        settings = try await NodeSettings.load(flags: ["secrets-dir": [folder.path + "/secrets"]], environment: ["CHORUS_TOKEN_SECRET": secretB])
        #expect(settings.tokenSecret == secretB)
    }

    @Test("a bad value names the setting and where it came from: flag, variable, file")
    func badValues() async throws {
        let folder = try Folder()
        await #expect(throws: SettingsError.self) { try await NodeSettings.load(flags: ["port": ["99999"]], environment: [:]) }
        do {
            _ = try await NodeSettings.load(flags: ["port": ["99999"]], environment: [:])
        } catch {
            #expect(error.message == "invalid value '99999' for port from --port: expected a whole number from 0 to 65535")
        }
        do {
            _ = try await NodeSettings.load(environment: ["CHORUS_HEARTBEAT": "soon"])
            Issue.record("a bad variable was accepted")
        } catch {
            #expect(error.message.contains("'soon' for heartbeat from CHORUS_HEARTBEAT"))
        }
        let bad = try folder.write("bad.yaml", "heartbeat: 5s\nhistory: lots\n")
        do {
            _ = try await NodeSettings.load(environment: ["CHORUS_CONFIG": bad])
            Issue.record("a bad file was accepted")
        } catch {
            #expect(error.message.contains("history"))
            #expect(error.message.contains(bad))
        }
        let misspelt = try folder.write("typo.yaml", "heartbeet: 5s\n")
        do {
            _ = try await NodeSettings.load(environment: ["CHORUS_CONFIG": misspelt])
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.message.contains("unknown setting 'heartbeet' in \(misspelt)"))
        }
        do {
            _ = try await NodeSettings.load(environment: ["CHORUS_CONFIG": folder.path + "/missing.yaml"])
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.message.contains("missing.yaml"))
        }
    }

    @Test("a bad secret is refused without printing it")
    func badSecretNotPrinted() async throws {
        do {
            _ = try await NodeSettings.load(flags: ["publisher-keys": ["short-key-1"]], environment: [:])
            Issue.record("a short publisher key was accepted")
        } catch {
            #expect(error.message.contains("at least 16 characters"))
            #expect(!error.message.contains("short-key-1"))
        }
    }

    @Test("the effective configuration shows every setting, with secrets redacted")
    func report() async throws {
        let settings = try await NodeSettings.load(
            flags: ["publisher-keys": ["publisher-key-0123456789"], "heartbeat": ["3s"]],
            environment: ["CHORUS_TOKEN_SECRET": secretA, "CHORUS_REDIS_URL": "redis://:hunter2hunter2@127.0.0.1:6390/2"]
        )
        let report = settings.report
        for key in NodeSettings.Keys.all { #expect(report.contains(key.name)) }
        #expect(!report.contains(secretA))
        #expect(!report.contains("publisher-key-0123456789"))
        #expect(!report.contains("hunter2"))
        #expect(report.contains("redis://:***@127.0.0.1:6390/2"))
        #expect(report.contains("(--heartbeat)"))
        #expect(report.contains("(CHORUS_TOKEN_SECRET)"))
        #expect(settings.redis?.url.password == "hunter2hunter2")
    }

    @Test("the help text of every setting names its variable and its default")
    func helpTexts() {
        #expect(NodeSettings.Keys.heartbeat.help.hasSuffix("[CHORUS_HEARTBEAT, default 15s]"))
        #expect(NodeSettings.Keys.history.help.contains("default 10000"))
        #expect(NodeSettings.Keys.tokenSecret.help.contains("CHORUS_TOKEN_SECRET_FILE"))
        #expect(Set(NodeSettings.Keys.all.map(\.name)).count == NodeSettings.Keys.all.count)
    }
}
