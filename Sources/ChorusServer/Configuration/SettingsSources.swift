import Configuration
import Foundation
import SystemPackage
import Yams

/// The places a node's settings are read from, in precedence order — flags, `CHORUS_*` variables,
/// a secrets directory (one file per setting, as Kubernetes mounts secrets), a JSON or YAML
/// configuration file — each a swift-configuration provider. A lookup also says where the value
/// came from, so an error can name the flag, variable or file to fix.
///
/// A secret setting may also be given as the path of a file that holds it: `CHORUS_TOKEN_SECRET_FILE`,
/// `token-secret-file` in the configuration file, or `--token-secret-file`, so it need not appear
/// in `ps` or in the environment.
struct SettingsSources: Sendable {
    private enum Layer: Sendable {
        case flags(InMemoryProvider)
        case environment(EnvironmentVariablesProvider)
        case secretsDirectory(DirectoryFilesProvider, path: String)
        case file(any ConfigProvider, path: String)
    }

    private let layers: [Layer]

    /// Reads `flags` (setting name → the values given on the command line), `environment`, and
    /// the secrets directory and configuration file they name (`secrets-dir`, `config`).
    static func load(flags: [String: [String]], environment: [String: String], known: [SettingKey]) async throws(SettingsError) -> SettingsSources {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, items) in flags where !items.isEmpty {
            values[AbsoluteConfigKey([name])] = ConfigValue(.stringArray(items), isSecret: false)
        }
        let flagLayer = Layer.flags(InMemoryProvider(name: "flags", values: values))
        let environmentLayer = Layer.environment(EnvironmentVariablesProvider(environmentVariables: environment.filter { !$0.value.isEmpty }))
        var layers = [flagLayer, environmentLayer]
        let partial = SettingsSources(layers: layers)
        if let found = try partial.find(NodeSettings.Keys.secretsDirectory) {
            do {
                layers.append(.secretsDirectory(try await DirectoryFilesProvider(directoryPath: FilePath(found.text)), path: found.text))
            } catch {
                throw SettingsError("cannot read the secrets directory \(found.text) (from \(found.source)): \(error)")
            }
        }
        if let found = try partial.find(NodeSettings.Keys.configurationFile) {
            layers.append(try await file(at: found, known: known))
        }
        return SettingsSources(layers: layers)
    }

    private static func file(at found: FoundSetting, known: [SettingKey]) async throws(SettingsError) -> Layer {
        let path = found.text
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError("cannot read the configuration file \(path) (from \(found.source)): \(error.localizedDescription)")
        }
        // YAML is a superset of JSON: one parser finds the keys of either, so a misspelt key is an
        // error rather than a setting silently left at its default.
        let names: [String]
        do {
            guard let root = try Yams.compose(yaml: text) else { return .file(InMemoryProvider(values: [:]), path: path) }
            guard let mapping = root.mapping else { throw SettingsError("the configuration file \(path) must be a mapping of setting names to values") }
            names = mapping.keys.map { $0.string ?? "" }
        } catch let error as SettingsError {
            throw error
        } catch {
            throw SettingsError("the configuration file \(path) is not valid YAML or JSON: \(error)")
        }
        let allowed = Set(known.flatMap { $0.isSecret ? [$0.name, $0.name + "-file"] : [$0.name] })
        if let unknown = names.first(where: { !allowed.contains($0) }) {
            throw SettingsError("unknown setting '\(unknown)' in \(path); the settings are: \(known.map(\.name).joined(separator: ", "))")
        }
        do {
            let provider: any ConfigProvider = path.hasSuffix(".json")
                ? try await FileProvider<JSONSnapshot>(filePath: FilePath(path))
                : try await FileProvider<YAMLSnapshot>(filePath: FilePath(path))
            return .file(provider, path: path)
        } catch {
            throw SettingsError("the configuration file \(path) cannot be read as \(path.hasSuffix(".json") ? "JSON" : "YAML"): \(error)")
        }
    }

    /// The value of `key` from the first layer that has it, or `nil` when none has.
    func find(_ key: SettingKey) throws(SettingsError) -> FoundSetting? {
        for layer in layers {
            if let found = try find(key, in: layer) { return found }
        }
        return nil
    }

    private func find(_ key: SettingKey, in layer: Layer) throws(SettingsError) -> FoundSetting? {
        switch layer {
        case .flags(let provider):
            if let items = try lookup(provider, ["\(key.name)"], list: true) {
                return FoundSetting(items: items, source: .flag(key.flag))
            }
            if key.isSecret, let path = try lookup(provider, ["\(key.name)-file"], list: false)?.first {
                return try Self.readSecret(key, path: path, named: .flag(key.flag + "-file"))
            }
        case .environment(let provider):
            if let items = try lookup(provider, ["chorus", key.name], list: key.isList) {
                return FoundSetting(items: items, source: .environment(key.variable))
            }
            if key.isSecret, let path = try lookup(provider, ["chorus", key.name + "-file"], list: false)?.first {
                return try Self.readSecret(key, path: path, named: .environment(key.variable + "_FILE"))
            }
        case .secretsDirectory(let provider, let path):
            guard key.isSecret else { return nil }
            if let items = try lookup(provider, [key.name], list: key.isList) {
                // A list in a file: one item per line or comma, like a `…_FILE` secret.
                let lines = key.isList ? items.flatMap { $0.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) } } : items
                return FoundSetting(items: lines.filter { !$0.isEmpty }, source: .secretFile(path: path + "/" + key.name))
            }
        case .file(let provider, let path):
            if let items = try lookup(provider, [key.name], list: key.isList) {
                return FoundSetting(items: items, source: .configurationFile(key: key.name, path: path))
            }
            if key.isSecret, let secretPath = try lookup(provider, [key.name + "-file"], list: false)?.first {
                return try Self.readSecret(key, path: secretPath, named: .configurationFile(key: key.name + "-file", path: path))
            }
        }
        return nil
    }

    /// A value as text items, whatever type the provider holds it as (a JSON number is a
    /// setting's text as much as a string is).
    private func lookup(_ provider: any ConfigProvider, _ components: [String], list: Bool) throws(SettingsError) -> [String]? {
        let key = AbsoluteConfigKey(components)
        let types: [ConfigType] = list ? [.stringArray, .string, .intArray] : [.string, .int, .double, .bool, .stringArray]
        var firstError: (any Error)?
        for type in types {
            do {
                guard let content = try provider.value(forKey: key, type: type).value?.content else { return nil }
                let items: [String]? = switch content {
                case .string(let text): list ? text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : [text]
                case .int(let number): ["\(number)"]
                case .double(let number): ["\(number)"]
                case .bool(let flag): ["\(flag)"]
                case .stringArray(let texts): list ? texts : texts.count == 1 ? texts : nil
                case .intArray(let numbers): numbers.map { "\($0)" }
                default: nil
                }
                if let items { return items.filter { !$0.isEmpty } }
            } catch {
                firstError = firstError ?? error
            }
        }
        throw SettingsError("cannot read \(components.joined(separator: ".")) from \(provider.providerName): \(firstError.map { "\($0)" } ?? "unsupported value")")
    }

    /// Reads a secret from the file at `path`: its whole content without surrounding white space
    /// (a list secret: one item per line or comma).
    private static func readSecret(_ key: SettingKey, path: String, named source: SettingSource) throws(SettingsError) -> FoundSetting {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError("cannot read \(key.name) from the file \(path) (named by \(source)): \(error.localizedDescription)")
        }
        let items = key.isList
            ? text.split(whereSeparator: { $0 == "\n" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            : [text.trimmingCharacters(in: .whitespacesAndNewlines)]
        return FoundSetting(items: items, source: .secretFile(path: path))
    }
}
