import ChorusCore
import Testing

@Suite("Delivery rule")
struct DeliveryRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var envelope: Envelope
        var subscription: Subscription
        var delivered: Bool
        var testDescription: String { name }
    }

    static func sub(_ scopes: Set<String>, session: String? = nil, user: String? = nil) -> Subscription {
        Subscription(scopes: scopes, info: ConnectionInfo(sessionID: session, userID: user))
    }

    static let cases: [Case] = [
        Case(name: "scope matches", envelope: Envelope(scope: "doc:1"), subscription: sub(["doc:1"]), delivered: true),
        Case(name: "scope differs", envelope: Envelope(scope: "doc:2"), subscription: sub(["doc:1"]), delivered: false),
        Case(name: "scope compared exactly (case)", envelope: Envelope(scope: "Doc:1"), subscription: sub(["doc:1"]), delivered: false),
        Case(name: "scope compared exactly (prefix)", envelope: Envelope(scope: "doc:1"), subscription: sub(["doc:10", "doc:"]), delivered: false),
        Case(name: "one of several scopes", envelope: Envelope(scope: "room:b"), subscription: sub(["room:a", "room:b", "user:42"]), delivered: true),
        Case(name: "none of several scopes", envelope: Envelope(scope: "room:c"), subscription: sub(["room:a", "room:b"]), delivered: false),
        Case(name: "no scopes at all", envelope: Envelope(scope: "doc:1"), subscription: sub([]), delivered: false),
        Case(name: "origin is the subscriber's own session (no echo)", envelope: Envelope(scope: "doc:1", origin: "tab-1"),
             subscription: sub(["doc:1"], session: "tab-1", user: "42"), delivered: false),
        Case(name: "origin is another session of the same user", envelope: Envelope(scope: "doc:1", origin: "tab-1"),
             subscription: sub(["doc:1"], session: "tab-2", user: "42"), delivered: true),
        Case(name: "origin set, subscriber has no session", envelope: Envelope(scope: "doc:1", origin: "tab-1"),
             subscription: sub(["doc:1"]), delivered: true),
        Case(name: "no origin, subscriber has a session", envelope: Envelope(scope: "doc:1"),
             subscription: sub(["doc:1"], session: "tab-1"), delivered: true),
        Case(name: "audience contains the user", envelope: Envelope(scope: "doc:1", audience: ["7", "42"]),
             subscription: sub(["doc:1"], user: "42"), delivered: true),
        Case(name: "audience does not contain the user", envelope: Envelope(scope: "doc:1", audience: ["7", "8"]),
             subscription: sub(["doc:1"], user: "42"), delivered: false),
        Case(name: "audience user ids compared exactly", envelope: Envelope(scope: "doc:1", audience: ["420", " 42"]),
             subscription: sub(["doc:1"], user: "42"), delivered: false),
        Case(name: "anonymous subscriber, audience set", envelope: Envelope(scope: "doc:1", audience: ["42"]),
             subscription: sub(["doc:1"], session: "tab-1"), delivered: false),
        Case(name: "anonymous subscriber, no audience", envelope: Envelope(scope: "doc:1"),
             subscription: sub(["doc:1"], session: "tab-1"), delivered: true),
        Case(name: "empty audience reaches nobody (authenticated)", envelope: Envelope(scope: "doc:1", audience: []),
             subscription: sub(["doc:1"], user: "42"), delivered: false),
        Case(name: "empty audience reaches nobody (anonymous)", envelope: Envelope(scope: "doc:1", audience: []),
             subscription: sub(["doc:1"]), delivered: false),
        Case(name: "in audience but own session", envelope: Envelope(scope: "doc:1", origin: "tab-1", audience: ["42"]),
             subscription: sub(["doc:1"], session: "tab-1", user: "42"), delivered: false),
        Case(name: "in audience, other tab", envelope: Envelope(scope: "doc:1", origin: "tab-1", audience: ["42"]),
             subscription: sub(["doc:1"], session: "tab-2", user: "42"), delivered: true),
        Case(name: "in audience but wrong scope", envelope: Envelope(scope: "doc:2", audience: ["42"]),
             subscription: sub(["doc:1"], user: "42"), delivered: false),
        Case(name: "session id equal to the user id is not an origin match", envelope: Envelope(scope: "doc:1", origin: "42"),
             subscription: sub(["doc:1"], session: "tab-9", user: "42"), delivered: true),
    ]

    @Test("delivers exactly when scope matches, origin differs and audience admits", arguments: cases)
    func rule(_ c: Case) {
        #expect(DeliveryRule.delivers(c.envelope, to: c.subscription) == c.delivered)
    }

    @Test("the scope-member form agrees with the full rule for subscribers of the scope", arguments: cases)
    func scopeMemberForm(_ c: Case) {
        // Put the subscriber into the envelope's scope: then only origin and audience decide.
        var inScope = c.subscription
        inScope.scopes.insert(c.envelope.scope)
        #expect(DeliveryRule.delivers(c.envelope, toScopeMember: c.subscription.info) == DeliveryRule.delivers(c.envelope, to: inScope))
    }

    @Test("the rule ignores the payload, name, paths and id")
    func payloadIrrelevant() {
        let subscription = Self.sub(["doc:1"], session: "tab-2", user: "42")
        let plain = Envelope(scope: "doc:1", origin: "tab-1", audience: ["42"])
        let decorated = Envelope(
            id: EventID(milliseconds: 5, sequence: 1), scope: "doc:1", event: "update", data: "anything",
            paths: ["doc.title"], origin: "tab-1", audience: ["42"])
        #expect(DeliveryRule.delivers(plain, to: subscription))
        #expect(DeliveryRule.delivers(decorated, to: subscription))
    }
}
