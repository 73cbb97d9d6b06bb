// The token header reader (the first thing done with a token from any client's query string or
// `Authorization` header): never traps or hangs, and accepts only what says HS256. It is compiled
// here from ChorusAuth's own source files (symbolic links) rather than by linking ChorusAuth,
// which would build jwt-kit and swift-crypto into every fuzz run for one small function.
import ChorusCore
import Foundation
import FuzzSupport

Fuzzer.run { input in
    let token = String(decoding: input, as: UTF8.self)
    do {
        try TokenHeader.check(token)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        expect(parts.count == 3, "accepted a token of \(parts.count) parts")
        guard let header = TokenHeader.base64URLDecode(parts[0]), let json = try? JSONParser.parse(header) else {
            fatalError("accepted a header that does not decode")
        }
        expect(json["alg"] == .string("HS256"), "accepted alg \(String(describing: json["alg"]))")
    } catch let error as TokenError {
        expect(!error.message.isEmpty, "an error without a message")
    } catch {
        fatalError("an error that is not a TokenError: \(error)")
    }
    // base64url: what is encoded decodes back to the same bytes.
    let encoded = Data(input).base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    expect(TokenHeader.base64URLDecode(Substring(encoded)) == input, "base64url round trip failed")
}
