import NIOCore
import Testing

@testable import ChorusServer

/// A publish body gathered from its parts: whole at its end, handed over as soon as it passes the
/// limit (so that a client cannot make the node keep more), nothing kept after either.
@Suite("Publish body")
struct PublishBodyTests {
    @Test("parts within the limit are joined, in order, and handed over whole at the end")
    func joinsParts() {
        var body = PublishBody(limit: 8)
        #expect(body.append(ByteBuffer(string: "abc")) == nil)
        #expect(body.append(ByteBuffer(string: "defgh")) == nil)
        #expect(body.finish() == ByteBuffer(string: "abcdefgh"))
        #expect(body.finish() == ByteBuffer(), "nothing is kept after the end")
    }

    @Test("the part that passes the limit hands over what arrived, and nothing more is kept")
    func overTheLimit() {
        var body = PublishBody(limit: 8)
        #expect(body.append(ByteBuffer(string: "abcdef")) == nil)
        #expect(body.append(ByteBuffer(string: "ghi")) == ByteBuffer(string: "abcdefghi"))
        #expect(body.finish() == ByteBuffer())
    }

    @Test("a request cut short leaves nothing for the next one")
    func discard() {
        var body = PublishBody(limit: 8)
        #expect(body.append(ByteBuffer(string: "abc")) == nil)
        body.discard()
        #expect(body.append(ByteBuffer(string: "x")) == nil)
        #expect(body.finish() == ByteBuffer(string: "x"))
    }
}
