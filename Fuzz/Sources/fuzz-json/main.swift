// The JSON parser (publish bodies, wire messages, token headers): never traps, nesting stays
// bounded, and parse → serialize → parse gives the same value and the same bytes.
import ChorusCore
import FuzzSupport

func depth(_ value: JSONValue) -> Int {
    switch value {
    case .array(let items): 1 + (items.map(depth).max() ?? 0)
    case .object(let members): 1 + (members.map { depth($0.value) }.max() ?? 0)
    default: 0
    }
}

/// Exact equality: strings and keys byte for byte (`==` on JSONValue is Swift string equality).
func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case (.bool(let x), .bool(let y)): x == y
    case (.number(let x), .number(let y)): Array(x.utf8) == Array(y.utf8)
    case (.string(let x), .string(let y)): Array(x.utf8) == Array(y.utf8)
    case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy(identical)
    case (.object(let x), .object(let y)):
        x.count == y.count && zip(x, y).allSatisfy { Array($0.key.utf8) == Array($1.key.utf8) && identical($0.value, $1.value) }
    default: false
    }
}

Fuzzer.run { input in
    let parsed: JSONValue
    do {
        parsed = try JSONParser.parse(input)
    } catch let error as JSONParser.Error {
        expect(error.offset >= 0 && error.offset <= input.count, "error offset \(error.offset) outside the input")
        return
    } catch {
        fatalError("not a JSONParser.Error: \(error)")
    }
    expect(depth(parsed) <= JSONParser.maximumDepth, "nesting \(depth(parsed)) deeper than the limit")
    let text = Array(parsed.serialized.utf8)
    let reparsed: JSONValue
    do {
        reparsed = try JSONParser.parse(text)
    } catch {
        fatalError("serialized JSON does not parse: \(error) in \(String(decoding: text, as: UTF8.self))")
    }
    expect(identical(parsed, reparsed), "parse → serialize → parse changed the value")
    expect(reparsed == parsed, "JSONValue == disagrees with exact equality")
    expect(reparsed.hashValue == parsed.hashValue, "equal values hash differently")
    expect(Array(reparsed.serialized.utf8) == text, "serializing is not stable")
    expect(!text.contains(where: { $0 < 0x20 }), "serialized JSON holds a raw control character")
    if let string = String(validating: input, as: UTF8.self) {
        expect((try? JSONParser.parse(string)).map { identical($0, parsed) } == true, "String and byte parsing differ")
    }
}
