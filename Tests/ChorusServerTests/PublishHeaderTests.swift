import Testing

@testable import ChorusServer

/// The two headers every publish is checked by, read as bytes: what they accept and refuse.
@Suite("Publish headers")
struct PublishHeaderTests {
    @Test("a bearer credential: the scheme in any case after optional spaces, one space, the credential less surrounding spaces")
    func bearerCredential() {
        #expect(BearerCredential.from(header: "Bearer abc") == "abc")
        #expect(BearerCredential.from(header: "bearer abc") == "abc")
        #expect(BearerCredential.from(header: "BEARER abc") == "abc")
        #expect(BearerCredential.from(header: "  Bearer   abc  ") == "abc")
        #expect(BearerCredential.from(header: "Bearer a b") == "a b")
        #expect(BearerCredential.from(header: "Bearer ключ") == "ключ")
        #expect(BearerCredential.from(header: "Bearer") == nil)
        #expect(BearerCredential.from(header: "Bearer ") == nil)
        #expect(BearerCredential.from(header: "Bearer    ") == nil)
        #expect(BearerCredential.from(header: "Bearer\tabc") == nil)
        #expect(BearerCredential.from(header: "Basic abc") == nil)
        #expect(BearerCredential.from(header: "Bearers abc") == nil)
        #expect(BearerCredential.from(header: "Beare abc") == nil)
        #expect(BearerCredential.from(header: "") == nil)
    }

    @Test("a JSON content type: application/json in any case, spaces and tabs ignored, parameters after ';' ignored")
    func jsonContentType() {
        for accepted in ["application/json", "Application/JSON", "application/json; charset=utf-8", " application / json ;x", "\tapplication/json\t", ";application/json"] {
            #expect(PublishController.isJSON(accepted), "\(accepted)")
        }
        for refused in ["", "text/plain", "application/jsonp", "application/jso", "application/json-seq", "multipart/form-data; boundary=x", "application/x-json", "application/jsön", ";", "application/json\u{0}"] {
            #expect(!PublishController.isJSON(refused), "\(refused)")
        }
    }
}
