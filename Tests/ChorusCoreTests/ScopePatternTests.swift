import ChorusCore
import Testing

@Suite("Scope patterns")
struct ScopePatternTests {
    static let cases: [(pattern: String, matching: [String], notMatching: [String])] = [
        ("user:42", ["user:42"], ["user:4", "user:42:x", "user"]),
        ("doc:*", ["doc:1", "doc:abc"], ["doc", "doc:1:2", "docs:1", "doc:"]),
        ("doc:*:comments", ["doc:1:comments"], ["doc:1", "doc:1:likes"]),
        ("doc:**", ["doc:1", "doc:1:2:3"], ["doc", "docs:1"]),
        ("**", ["a", "a:b", "doc:1:2"], []),
    ]

    @Test("patterns match whole segments", arguments: cases)
    func matches(pattern: String, matching: [String], notMatching: [String]) throws {
        let parsed = try ScopePattern(pattern)
        for scope in matching { #expect(parsed.matches(scope), "\(pattern) should match \(scope)") }
        for scope in notMatching { #expect(!parsed.matches(scope), "\(pattern) should not match \(scope)") }
    }

    @Test("invalid patterns are refused with the reason", arguments: [
        ("", "empty"), ("doc::1", "empty segment"), ("doc:", "empty segment"), ("doc*", "whole segment"),
        ("a:**:b", "last segment"), ("a:*b", "whole segment"),
    ])
    func invalid(pattern: String, mentions: String) {
        #expect { try ScopePattern(pattern) } throws: { "\($0)".contains(mentions) && "\($0)".contains("'\(pattern)'") }
    }

    // Found by Fuzz/fuzz-scope-pattern: patterns were split and compared as Swift characters, so a
    // ':' or '*' followed by a combining mark was not a separator or a wildcard, and canonically
    // equivalent names matched each other. Scopes are byte strings; so are patterns.
    @Test("a ':' followed by a combining mark still separates segments")
    func separatorBeforeCombiningMark() throws {
        let pattern = try ScopePattern("*:\u{59B}")
        #expect(pattern.matches("doc:\u{59B}"))
        #expect(try ScopePattern("doc:*").matches("doc:\u{301}x"))
        #expect(!(try ScopePattern("doc:\u{301}x").matches("doc")))
    }

    @Test("'*' followed by a combining mark is still part of a segment, and refused")
    func wildcardBeforeCombiningMark() {
        #expect(throws: ScopePatternError.self) { try ScopePattern("doc:*\u{301}") }
    }

    @Test("segments are compared as exact bytes, not canonical equivalence")
    func exactBytes() throws {
        #expect(!(try ScopePattern("doc:caf\u{E9}").matches("doc:cafe\u{301}")))
        #expect(!(try ScopePattern("doc:cafe\u{301}").matches("doc:caf\u{E9}")))
        #expect(try ScopePattern("doc:caf\u{E9}").matches("doc:caf\u{E9}"))
    }
}
