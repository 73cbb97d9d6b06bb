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
}
