import Foundation

/// Progress for long work, on standard error: a line at most every `interval` seconds with done/total,
/// rate and time left, to a `LogSink` (silent for `--quiet`, tests and benchmarks). Thread-safe.
// @unchecked: the mutable counters are only touched under `lock`.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let interval: Double
    private let lock = NSLock()
    private var done = 0
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let log: LogSink

    /// Without `log`, the sink of the run in progress (`LogSink.scoped`, bound by `RunContext.bound`).
    public init(_ label: String, total: Int, interval: Double = 2.0, log: LogSink? = nil) {
        self.label = label; self.total = total; self.interval = interval; self.log = log ?? LogSink.scoped
    }

    public func advance(by n: Int = 1) {
        lock.lock()
        done += n
        let now = Date()
        let shouldPrint = now.timeIntervalSince(lastPrint) >= interval && done < total
        if shouldPrint { lastPrint = now }
        let d = done
        lock.unlock()
        if shouldPrint { emit(d, now: now) }
    }

    /// Prints the closing line (always, when enabled).
    public func finish() {
        lock.lock(); let d = done; lock.unlock()
        emit(d, now: Date(), final: true)
    }

    private func emit(_ d: Int, now: Date, final: Bool = false) {
        guard !log.isSilent else { return }
        let elapsed = now.timeIntervalSince(start)
        var line = "[\(label)] \(d)/\(total)"
        if total > 0 { line += String(format: " (%.0f%%)", 100 * Double(d) / Double(total)) }
        if final {
            line += String(format: " done in %.1fs", elapsed)
        } else if d > 0 && elapsed > 0 {
            let left = elapsed / Double(d) * Double(max(0, total - d))
            line += String(format: ", %.1fs elapsed, ~%.0fs left", elapsed, left)
        }
        log(line)
    }
}

/// Writes a line to standard error (warnings and notes that must not mix with table output).
public func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
