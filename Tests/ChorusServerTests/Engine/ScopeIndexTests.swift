import ChorusCore
import NIOEmbedded
import Testing

@testable import ChorusServer

/// The Hub's index: which connections each scope has on each event loop.
@Suite("ScopeIndex")
struct ScopeIndexTests {
    /// A connection with `scopes` on event loop slot `slot` (its writer is never used here).
    private static func connection(_ id: Int, _ scopes: Set<String>, slot: Int = 0) -> Connection {
        let channel = NIOAsyncTestingChannel()
        let writer = StreamWriter(channel: channel, capacity: 1)
        return Connection(
            id: id, presenceID: "p\(id)", subscription: Subscription(scopes: scopes, info: ConnectionInfo()),
            wantsPresence: false, writer: .makeBoxSendingValue(writer, eventLoop: channel.eventLoop), loopSlot: slot
        )
    }

    private static func ids(_ perLoop: [[Int: Connection]]?) -> [Set<Int>]? {
        perLoop?.map { Set($0.keys) }
    }

    @Test("a connection is found under each of its scopes, in its event loop's slot")
    func add() {
        var index = ScopeIndex()
        index.add(Self.connection(1, ["a", "b"], slot: 0))
        index.add(Self.connection(2, ["b"], slot: 2))
        index.add(Self.connection(3, ["b"], slot: 0))

        #expect(Self.ids(index.members(of: "a")) == [[1]])
        #expect(Self.ids(index.members(of: "b")) == [[1, 3], [], [2]])
        #expect(index.members(of: "c") == nil)
        #expect(index.count(of: "a") == 1)
        #expect(index.count(of: "b") == 3)
        #expect(index.count(of: "c") == 0)
        #expect(Set(index.connections(in: "b").map(\.id)) == [1, 2, 3])
        #expect(index.connections(in: "c").isEmpty)
    }

    @Test("removing a connection takes it out of every scope; a scope left empty is dropped")
    func remove() {
        var index = ScopeIndex()
        let first = Self.connection(1, ["a", "b"], slot: 1)
        let second = Self.connection(2, ["b"], slot: 0)
        index.add(first)
        index.add(second)

        index.remove(first)
        #expect(index.members(of: "a") == nil)
        #expect(Self.ids(index.members(of: "b")) == [[2], []])
        #expect(index.count(of: "b") == 1)

        // Twice, or a connection never added: nothing changes.
        index.remove(first)
        index.remove(Self.connection(9, ["b", "z"], slot: 3))
        #expect(index.count(of: "b") == 1)
        #expect(index.members(of: "z") == nil)

        index.remove(second)
        #expect(index.members(of: "b") == nil)
        #expect(index.count(of: "b") == 0)
    }

    @Test("scopes are told apart by their exact bytes, not by Unicode equivalence")
    func exactBytes() {
        var index = ScopeIndex()
        index.add(Self.connection(1, ["caf\u{E9}"]))
        index.add(Self.connection(2, ["cafe\u{301}"]))
        #expect(index.connections(in: "caf\u{E9}").map(\.id) == [1])
        #expect(index.connections(in: "cafe\u{301}").map(\.id) == [2])
    }

    @Test("a snapshot taken before a change does not see it")
    func snapshot() throws {
        var index = ScopeIndex()
        index.add(Self.connection(1, ["a"]))
        let before = try #require(index.members(of: "a"))
        index.add(Self.connection(2, ["a"]))
        index.remove(Self.connection(1, ["a"]))
        #expect(Self.ids(before) == [[1]])
        #expect(Self.ids(index.members(of: "a")) == [[2]])
    }
}
