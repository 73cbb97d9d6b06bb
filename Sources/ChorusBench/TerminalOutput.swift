#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard error without Foundation (and without the `stderr` global, which Swift 6
/// does not consider concurrency-safe).
public func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}

/// Whether standard error is a terminal (progress then redraws one line).
public var standardErrorIsTerminal: Bool { isatty(2) == 1 }

/// Writes `text` (and a newline) to the file at `path`; returns whether it worked.
@discardableResult
public func writeTextFile(_ path: String, _ text: String) -> Bool {
    guard let file = fopen(path, "w") else { return false }
    defer { fclose(file) }
    return fputs(text + "\n", file) >= 0
}
