import Logging

/// RecLab logs through apple/swift-log. A run's `Logger` is `RunContext.log`; the executables bootstrap the
/// logging system once (plain lines on standard error, `RecLabApp.AppLogging`), libraries only log.
///
/// Levels: `info` carries progress lines and notes (`[run] ...`, `[generate] 40/100 (40%) ...`) and is the
/// default; `--quiet` sets `warning`, which drops them but keeps warnings (the development pseudonymisation
/// key). `debug`/`trace` are unused. Errors are not logged: the CLI prints them itself.
public enum RecLabLog {
    public static let label = "reclab"

    /// A logger from the process's logging system (the executables' handler; swift-log's default stream
    /// handler when nothing was bootstrapped, as in tests) at `level`.
    public static func standard(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Drops every message and never builds one (its level reads `critical`): tests' and benchmarks' default.
    public static let silent = Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() })

    /// A logger handing each message's text, unchanged, to `write` (tests capture lines with it).
    public static func lines(level: Logger.Level = .info, _ write: @escaping @Sendable (String) -> Void) -> Logger {
        Logger(label: label, factory: { _ in LineLogHandler(level: level, write: write) })
    }

    /// The logger of the run in progress (`RunContext.bound`), for code deep inside a run that makes its own
    /// `ProgressReporter`; outside any run, the process's logging system at `info`.
    @TaskLocal public static var current: Logger = Logger(label: label)
}

/// A `LogHandler` that passes each message's text, and nothing else (no level, time or metadata), to a
/// closure: the CLI's lines on standard error stay exactly the lines it printed before swift-log.
public struct LineLogHandler: LogHandler, Sendable {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let write: @Sendable (String) -> Void

    public init(level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void) {
        self.logLevel = level; self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) { write(event.message.description) }
}
