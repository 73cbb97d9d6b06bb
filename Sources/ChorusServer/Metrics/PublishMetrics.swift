import CoreMetrics
import Hummingbird

/// `POST /publish`'s series.
struct PublishMetrics: Sendable {
    static let durationName = "chorus_publish_duration_seconds"

    /// `chorus_publish_requests_total{status}`: publish requests by the HTTP status answered.
    let requests: LabeledCounter
    /// `chorus_events_accepted_total`: events the bus accepted (a batch counts each of its events).
    let acceptedTotal: Counter
    /// `chorus_publish_duration_seconds`: from the request's arrival to the bus's acknowledgement,
    /// for accepted publishes.
    let duration: Timer

    init(factory: any MetricsFactory) {
        requests = LabeledCounter("chorus_publish_requests_total", label: "status", values: ["202", "400", "401", "403", "503"], factory: factory)
        acceptedTotal = Counter(label: "chorus_events_accepted_total", factory: factory)
        duration = Timer(label: Self.durationName, factory: factory)
    }

    /// Counts `count` accepted events.
    func accepted(_ count: Int) {
        acceptedTotal.increment(by: count)
    }

    /// `handler`, counting its answers by status and timing the accepted ones.
    func counting<Context: RequestContext>(
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        let (requests, duration) = (self.requests, self.duration)
        return { request, context in
            let start = ContinuousClock.now
            do {
                let response = try await handler(request, context)
                requests.increment("\(response.status.code)")
                if response.status == .accepted { duration.recordNanoseconds(start.duration(to: .now).nanoseconds) }
                return response
            } catch let error as any HTTPResponseError {
                requests.increment("\(error.status.code)")
                throw error
            } catch {
                requests.increment("500")
                throw error
            }
        }
    }
}
