// Scope patterns (token `scopes` claims, `--anonymous-scopes`) and matching (every subscribe):
// never trap, and parse and match exactly as documented, on bytes. The input is a pattern, then
// scopes, one per line.
import ChorusCore
import FuzzSupport

enum Segment: Equatable {
    case exact(ArraySlice<UInt8>)
    case one
    case rest
}

/// The documented grammar, on bytes: `:`-separated non-empty segments; `*` is a whole segment;
/// `**` only last; no NUL.
func referenceParse(_ pattern: [UInt8]) -> [Segment]? {
    guard !pattern.isEmpty, !pattern.contains(0) else { return nil }
    let parts = pattern.pieces(separatedBy: UInt8(ascii: ":"))
    var segments: [Segment] = []
    for (index, part) in parts.enumerated() {
        if part.isEmpty { return nil }
        if part.elementsEqual("*".utf8) {
            segments.append(.one)
        } else if part.elementsEqual("**".utf8) {
            guard index == parts.count - 1 else { return nil }
            segments.append(.rest)
        } else {
            guard !part.contains(UInt8(ascii: "*")) else { return nil }
            segments.append(.exact(part))
        }
    }
    return segments
}

/// `*` is one non-empty segment, `**` one or more segments, anything else the same bytes.
func referenceMatches(_ segments: [Segment], _ scope: [UInt8]) -> Bool {
    let parts = scope.pieces(separatedBy: UInt8(ascii: ":"))
    var index = 0
    for segment in segments {
        switch segment {
        case .rest: return index < parts.count
        case .one: guard index < parts.count, !parts[index].isEmpty else { return false }
        case .exact(let expected): guard index < parts.count, parts[index].elementsEqual(expected) else { return false }
        }
        index += 1
    }
    return index == parts.count
}

Fuzzer.run { input in
    let lines = input.pieces(separatedBy: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    let text = lines[0]
    let pattern = try? ScopePattern(text)
    let reference = referenceParse(Array(text.utf8))
    expect((pattern != nil) == (reference != nil), "pattern \(text.debugDescription): parsed \(pattern != nil), the grammar says \(reference != nil)")
    guard let pattern, let reference else { return }
    expect(Array(pattern.text.utf8) == Array(text.utf8), "the pattern's text changed")
    for scope in lines.dropFirst() + [text] {
        let matched = pattern.matches(scope)
        expect(matched == referenceMatches(reference, Array(scope.utf8)), "\(text.debugDescription) matches \(scope.debugDescription): \(matched), the rule says \(!matched)")
    }
    if !text.utf8.contains(UInt8(ascii: "*")) {
        expect(pattern.matches(text), "a pattern without '*' does not match its own text")
    }
}
