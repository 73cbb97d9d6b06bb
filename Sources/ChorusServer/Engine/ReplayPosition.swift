import ChorusCore
import NIOCore

/// Where a stream's replay stands: the next page to read, how large, and the newest id written.
struct ReplayPosition: Sendable {
    /// Read the next page after this id; `nil` when the replay is done.
    private(set) var next: EventID?
    /// How many events to ask for in the next page: sized from the last page's events so that a
    /// page holds about ``EventsController/replayPageBytes``.
    private(set) var limit = EventsController.firstReplayPage
    /// The newest event id the stream has been given (live events up to it are dropped).
    private(set) var lastSent: EventID?
    /// Whether the client resumes after an id (else there is nothing to replay).
    let isResume: Bool
    /// Whether the replay ended in a reset.
    private(set) var isReset = false
    /// Frames of replayed events handed out so far.
    private(set) var replayedFrames = 0

    init(after lastEventID: EventID?) {
        next = nil
        lastSent = lastEventID
        isResume = lastEventID != nil
    }

    /// Takes one page read after ``next`` (or after the client's id): its frames, or a reset when
    /// events after the id are gone or the id was never issued.
    mutating func advance(with replay: Replay, frames: ReplayFrames) async -> [ByteBuffer] {
        guard replay.isComplete else {
            // The client reloads its state; it resumes from the newest event, whose id the reset
            // carries (never from an id of the future, which would mute every live event).
            next = nil
            lastSent = replay.latestID
            isReset = true
            return [ControlFrames.reset(id: replay.latestID)]
        }
        if let last = replay.events.last?.id { lastSent = last }
        next = replay.events.count >= limit ? lastSent : nil
        let page = await frames.frames(for: replay.events)
        replayedFrames += page.count
        let bytes = page.reduce(0) { $0 + $1.readableBytes }
        if !replay.events.isEmpty {
            let perEvent = max(1, bytes / replay.events.count)
            limit = min(512, max(4, EventsController.replayPageBytes / perEvent))
        }
        return page
    }
}
