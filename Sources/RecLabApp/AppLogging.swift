import Foundation
import Logging
import RecLabCore

/// The executables' side of logging: they bootstrap swift-log once, at the start of `main`, so every `Logger`
/// RecLab makes writes each message as one plain line on standard error (the text the CLI always printed;
/// tests and users read it). Libraries never print; they log through `RunContext.log`.
public enum AppLogging {
    /// Installs the standard-error line handler (once per process: swift-log allows one bootstrap).
    public static func bootstrap() {
        LoggingSystem.bootstrap { _ in LineLogHandler(level: .info) { printError($0) } }
    }

    /// The logger of a command: `info` (progress and notes), or `warning` with `--quiet` (warnings only).
    public static func logger(quiet: Bool) -> Logger {
        RecLabLog.standard(level: quiet ? .warning : .info)
    }
}

/// Writes a line to standard error: the executables' errors and the log handler's lines (never table output).
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
