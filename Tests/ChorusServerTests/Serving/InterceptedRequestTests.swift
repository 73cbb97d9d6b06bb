import HTTPTypes
import Testing

@testable import ChorusServer

/// Which requests the interceptor serves itself: exactly those the router routes to `GET /events`
/// and `POST /publish`; everything else goes to Hummingbird's request loop.
@Suite("Intercepted requests")
struct InterceptedRequestTests {
    private static func head(_ method: HTTPRequest.Method, _ path: String) -> HTTPRequest {
        HTTPRequest(method: method, scheme: nil, authority: nil, path: path)
    }

    @Test("what counts as a stream request is what the router routes to /events")
    func streamRequests() {
        for path in ["/events", "/events?scope=a&scope=b", "//events/"] {
            #expect(InterceptedRequest(Self.head(.get, path)) == .stream, "\(path)")
        }
        #expect(InterceptedRequest(Self.head(.post, "/events")) == nil)
        #expect(InterceptedRequest(Self.head(.head, "/events")) == nil)
        for path in ["/events/more", "/eventsx", "/Events", "/events/events", "/event", "/", "/?/events", "/events\u{301}"] {
            #expect(InterceptedRequest(Self.head(.get, path)) == nil, "\(path)")
        }
    }

    @Test("what counts as a publish is what the router routes to POST /publish")
    func publishRequests() {
        for path in ["/publish", "/publish?x=1", "//publish/"] {
            #expect(InterceptedRequest(Self.head(.post, path)) == .publish, "\(path)")
        }
        #expect(InterceptedRequest(Self.head(.get, "/publish")) == nil)
        #expect(InterceptedRequest(Self.head(.options, "/publish")) == nil)
        #expect(InterceptedRequest(Self.head(.post, "/publish/more")) == nil)
        #expect(InterceptedRequest(Self.head(.post, "/Publish")) == nil)
    }
}
