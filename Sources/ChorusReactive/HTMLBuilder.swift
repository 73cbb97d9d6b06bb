/// Small HTML helpers: escaping and tag-name checks, used by the htmx builders and fragments.
public enum HTMLBuilder {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe in text and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Whether `name` is a plain HTML tag name (`div`, `my-widget`): an ASCII letter, then ASCII
    /// letters, digits or `-`.
    public static func isValidTagName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
    }
}
