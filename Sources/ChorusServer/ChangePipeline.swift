import ChorusCore
import Logging
import NIOCore
import Synchronization

/// What sits between the bus and the Hub on a node with a ``ChangeRenderer``: plain messages go
/// to the Hub, changes (envelopes with `paths`) are rendered and their fragments delivered
/// instead, all in bus order.
///
/// Order matters because each connection drops frames whose id is not above the last one it
/// sent: a change rendered late and delivered after a newer event would be lost. So while a
/// change is being rendered, later messages wait behind it; when nothing is waiting, plain
/// messages go straight to the Hub without a hop.
///
/// Each change is rendered once for the whole node when its sharing is ``ChangeRenderer/Sharing/shared``,
/// or once per recipient user (only users with a connection here that the delivery rule lets the
/// change through to) when it is per user. Origin and audience are applied as for any event.
final class ChangePipeline: BusReceiver {
    private let hub: Hub
    private let renderer: ChangeRenderer
    private let logger: Logger
    private let stream: AsyncStream<[BusMessage]>
    private let continuation: AsyncStream<[BusMessage]>.Continuation
    /// Batches handed to `run()` and not yet delivered. Guards the fast path's ordering too.
    private let waiting = Mutex(0)

    init(hub: Hub, renderer: ChangeRenderer, logger: Logger) {
        self.hub = hub
        self.renderer = renderer
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: [BusMessage].self)
    }

    func receive(_ messages: [BusMessage]) {
        let isChange: (BusMessage) -> Bool = { message in
            if case .event(let envelope) = message { !envelope.paths.isEmpty } else { false }
        }
        waiting.withLock { waiting in
            if waiting == 0 && !messages.contains(where: isChange) {
                // Delivered under the lock so that `run()` cannot start a later batch meanwhile.
                hub.receive(messages)
            } else {
                waiting += 1
                continuation.yield(messages)
            }
        }
    }

    /// Renders and delivers until the task is cancelled.
    func run() async {
        await withTaskCancellationHandler {
            for await batch in stream {
                // Plain messages between changes go to the Hub together, as one batch.
                var plain: [BusMessage] = []
                for message in batch {
                    if case .event(let envelope) = message, !envelope.paths.isEmpty {
                        if !plain.isEmpty { hub.receive(plain) }
                        plain.removeAll()
                        await deliver(change: envelope)
                    } else {
                        plain.append(message)
                    }
                }
                if !plain.isEmpty { hub.receive(plain) }
                waiting.withLock { $0 -= 1 }
            }
        } onCancel: {
            continuation.finish()
        }
    }

    private func deliver(change: Envelope) async {
        let users = hub.recipientUsers(of: change)
        guard !users.isEmpty else { return }
        switch renderer.sharing(change) {
        case .shared:
            let frames = ChangeFrames.encode(await hub.metrics.renders.timed { await renderer.render(change, nil) }, id: change.id, logger: logger)
            guard let frames else { return }
            hub.deliver(rendered: change, .shared(frames))
        case .perUser:
            var byUser: [ExactString?: ByteBuffer] = [:]
            for user in users {
                byUser[user] = ChangeFrames.encode(await hub.metrics.renders.timed { await renderer.render(change, user?.value) }, id: change.id, logger: logger)
            }
            // A user who connected during the renders has no rendering: their page was just
            // rendered from the current data anyway.
            hub.deliver(rendered: change, .perUser(byUser))
        }
    }
}
