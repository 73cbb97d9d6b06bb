import ChorusCore
import Testing

extension BusContract {
    /// `position()` is where a page rendered now resumes: a replay after it is complete and holds
    /// exactly the events published after it was read. Before the first event the bus may have
    /// no position (`nil`, the Redis bus without a history stream); if it has one, a replay after
    /// it is complete and empty, and then holds the first event.
    public static func positionIsWhereAPageResumes(_ bus: any Bus) async throws {
        let before = try await bus.position()
        if let before {
            let empty = try await bus.replay(after: before)
            #expect(empty.isComplete && empty.events.isEmpty, "a replay after the position of a bus with no events: \(empty)")
        }
        let first = try await bus.publish([sample(0, tag: "position")])
        if let before {
            let replay = try await bus.replay(after: before)
            #expect(replay.isComplete)
            #expect(replay.events.compactMap(\.id) == first)
        }
        let rendered = try await bus.position()
        #expect(rendered == first.last, "the position after a publish is the newest id")

        // Published while the page loads: replayed after the position it was rendered with.
        let later = try await bus.publish([sample(1, tag: "position"), sample(2, tag: "position")])
        let resumed = try await bus.replay(after: try #require(rendered))
        #expect(resumed.isComplete)
        #expect(resumed.events.compactMap(\.id) == later)
        #expect(try await bus.position() == later.last)
    }
}
