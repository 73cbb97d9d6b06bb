import ChorusServer
import HTTPTypes

/// `POST /demo/doc`: the editor form (both fields, as htmx posts the whole form).
struct EditForm: Decodable {
    var user: String
    var title: String?
    var body: String?
}

/// `POST /demo/notes`: a private note.
struct NoteForm: Decodable {
    var user: String
    var to: String
    var text: String
}

/// The demo's input rules: clear `4xx` errors that change nothing.
enum DemoInput {
    /// A user name: 1 to 32 letters, digits, `-` or `_`.
    static func user(_ name: String, field: String = "user") throws -> String {
        let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
        guard !name.isEmpty, name.count <= DemoLimits.userLength, allowed else {
            throw APIError.badRequest("invalid-\(field)", "'\(name.prefix(40))' is not a user name: use 1 to \(DemoLimits.userLength) letters, digits, '-' or '_'")
        }
        return name
    }

    /// `text` if it is at most `limit` characters.
    static func text(_ text: String?, field: String, limit: Int) throws -> String? {
        guard let text else { return nil }
        guard text.count <= limit else {
            throw APIError(.contentTooLarge, code: "\(field)-too-long", message: "the \(field) is longer than \(limit) characters")
        }
        return text
    }
}
