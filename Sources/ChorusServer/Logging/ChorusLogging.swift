import Logging

/// Sets up the process's logging for a node.
public enum ChorusLogging {
    /// Makes every logger write `format` lines (text or JSON) to standard error from `level` up.
    /// Call once, before the first logger is made.
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
