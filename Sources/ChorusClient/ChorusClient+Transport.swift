import AsyncHTTPClient
import ChorusCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension ChorusClient {
    /// The largest answer body read for publish, presence and close-user.
    static let maximumAnswerBytes = 16 << 20

    /// Runs `request` until it gets one of `expected` statuses, retrying as ``Options/retry`` says.
    /// Every attempt sends the same request (so a publish sends the same `Idempotency-Key`).
    func perform(
        _ operation: String,
        _ request: HTTPClientRequest,
        expecting expected: Set<Int>,
        idempotencyKey: String? = nil
    ) async throws -> [UInt8] {
        try await withRetries(operation, idempotencyKey: idempotencyKey) {
            let response = try await execute(request)
            let body: [UInt8]
            do {
                body = Array(buffer: try await response.body.collect(upTo: Self.maximumAnswerBytes))
            } catch {
                throw Self.transportError(error, host: baseURL.authority)
            }
            guard expected.contains(Int(response.status.code)) else {
                throw Self.refusal(status: Int(response.status.code), headers: response.headers, body: body)
            }
            return body
        }
    }

    /// Calls `attempt` until it succeeds or fails with an error that is not retryable, or the
    /// policy's attempts are used up; waits as the policy says between attempts.
    func withRetries<Result>(
        _ operation: String,
        idempotencyKey: String?,
        _ attempt: () async throws -> Result
    ) async throws -> Result {
        var retry = 0
        while true {
            do {
                return try await attempt()
            } catch let error as ChorusError where error.isRetryable && retry + 1 < options.retry.maximumAttempts {
                retry += 1
                let delay = options.retry.delay(beforeRetry: retry, after: error)
                options.onRetry?(RetryAttempt(operation: operation, retry: retry, error: error, delay: delay, idempotencyKey: idempotencyKey))
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Sends `request` and returns once the response head arrived.
    func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        do {
            return try await httpClient.execute(request, timeout: TimeAmount(options.requestTimeout))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw Self.transportError(error, host: baseURL.authority)
        }
    }

    /// A request for `route` under the base URL, with the publisher key.
    func request(_ method: HTTPMethod, _ route: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL.url(route))
        request.method = method
        if let key = options.publisherKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        return request
    }

    /// The error for an answer with an unexpected status: the node's JSON error when it sent one.
    static func refusal(status: Int, headers: HTTPHeaders, body: [UInt8]) -> ChorusError {
        let error = (try? JSONParser.parse(body))?["error"]
        let nodeCode: String? = if case .string(let code)? = error?["code"] { code } else { nil }
        let message: String = if case .string(let message)? = error?["message"] {
            message
        } else {
            "HTTP \(status): \(String(decoding: body.prefix(200), as: UTF8.self))"
        }
        let retryAfter = headers["Retry-After"].first.flatMap { Int($0) }.map { Duration.seconds(max(0, $0)) }
        let code: ChorusError.Code = switch status {
        case 503 where nodeCode == "outcome-unknown": .outcomeUnknown
        case 503: .unavailable
        case 502, 504: .outcomeUnknown
        default: .refused
        }
        return ChorusError(code, status: status, nodeCode: nodeCode, message: message, retryAfter: retryAfter)
    }

    /// The error for a failure below HTTP. Only failures known to come before anything was sent
    /// are ``ChorusError/Code/connectionFailed``; any other may have reached the node.
    static func transportError(_ error: any Error, host: String) -> ChorusError {
        if let error = error as? ChorusError { return error }
        let beforeSending: Bool
        switch error {
        case let error as HTTPClientError where error == .alreadyShutdown:
            return ChorusError(.invalidArgument, message: "the HTTPClient was shut down")
        case let error as HTTPClientError:
            beforeSending = [.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout].contains(error)
        case is NIOConnectionError:
            beforeSending = true
        case let error as ChannelError:
            if case .connectTimeout = error { beforeSending = true } else { beforeSending = false }
        case let error as IOError:
            beforeSending = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode)
        case is NIOSSLExtraError:
            return ChorusError(.tlsFailed, message: "TLS with \(host) failed: \(error)")
        case let error as NIOSSLError:
            if case .handshakeFailed = error { return ChorusError(.tlsFailed, message: "TLS with \(host) failed: \(error)") }
            beforeSending = false
        default:
            beforeSending = false
        }
        return beforeSending
            ? ChorusError(.connectionFailed, message: "cannot connect to \(host): \(error)")
            : ChorusError(.outcomeUnknown, message: "no complete answer from \(host) (the request may have reached it): \(error)")
    }
}
