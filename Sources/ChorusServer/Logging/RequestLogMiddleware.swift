import Hummingbird
import Logging

/// Logs one line per request once its response is ready: method, path, status and duration, at
/// `info` (health, readiness and metrics probes at `debug`, so they do not drown the rest).
/// `GET /events` is left out: a stream logs its own line when it ends, with how long it lasted.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path != "/events" else { return try await next(request, context) }
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, path: path, status: response.status.code, since: start)
            return response
        } catch let error as any HTTPResponseError {
            log(request, path: path, status: error.status.code, since: start)
            throw error
        } catch {
            log(request, path: path, status: 500, since: start)
            throw error
        }
    }

    private func log(_ request: Request, path: String, status: Int, since start: ContinuousClock.Instant) {
        let probe = path == "/healthz" || path == "/readyz" || path == "/metrics"
        let elapsed = ContinuousClock.now - start
        logger.log(level: probe ? .debug : .info, "request", metadata: [
            "chorus.method": .string(request.method.rawValue),
            "chorus.path": .string(path),
            "chorus.status": .stringConvertible(status),
            "chorus.duration_ms": .string(LogDuration.milliseconds(elapsed)),
        ])
    }
}
