import CoreMetrics
import HTTPTypes
import Hummingbird

/// The SSE streams' series.
struct StreamMetrics: Sendable {
    /// `chorus_streams_open`: connections the Hub holds, sampled when scraped.
    let open: Gauge
    /// `chorus_streams_opened_total`: streams whose response started.
    let openedTotal: Counter
    /// `chorus_streams_closed_total{reason}`: ended streams, by ``CloseReason`` raw value.
    let closed: [CloseReason: Counter]
    /// `chorus_streams_refused_total{reason}`: `/events` requests answered with an error instead
    /// of a stream: `capacity` at the connection cap, otherwise the HTTP status (`400`, `401`, …).
    let refused: LabeledCounter

    init(factory: any MetricsFactory) {
        open = Gauge(label: "chorus_streams_open", factory: factory)
        openedTotal = Counter(label: "chorus_streams_opened_total", factory: factory)
        var closed: [CloseReason: Counter] = [:]
        for reason in CloseReason.allCases {
            closed[reason] = Counter(label: "chorus_streams_closed_total", dimensions: [("reason", reason.rawValue)], factory: factory)
        }
        self.closed = closed
        refused = LabeledCounter("chorus_streams_refused_total", label: "reason", values: ["capacity", "400", "401", "403", "503"], factory: factory)
    }

    /// Counts a stream whose response started.
    func opened() {
        openedTotal.increment()
    }

    /// Counts a stream that ended.
    func closed(_ reason: CloseReason) {
        closed[reason]?.increment()
    }

    /// `handler`, counting the requests it refuses (by what it throws) in ``refused``.
    func countingRefusals<Context: RequestContext>(
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        let refused = self.refused
        return { request, context in
            do {
                return try await handler(request, context)
            } catch let error as CapacityRefusal {
                refused.increment("capacity")
                throw error
            } catch let error as any HTTPResponseError {
                refused.increment("\(error.status.code)")
                throw error
            } catch {
                refused.increment("500")
                throw error
            }
        }
    }
}
