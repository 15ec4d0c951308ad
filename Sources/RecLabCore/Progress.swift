import Foundation
import Logging

/// Progress for long work on top of a swift-log `Logger`: an `info` line at most every `interval` seconds with
/// done/total, rate and time left (dropped when the logger is above `info`: `--quiet`, tests, benchmarks).
/// Thread-safe.
// @unchecked: the mutable counters are only touched under `lock`.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let interval: Double
    private let lock = NSLock()
    private var done = 0
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let log: Logger

    /// Without `log`, the logger of the run in progress (`RecLabLog.current`, bound by `RunContext.bound`).
    public init(_ label: String, total: Int, interval: Double = 2.0, log: Logger? = nil) {
        self.label = label; self.total = total; self.interval = interval; self.log = log ?? RecLabLog.current
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
        guard log.logLevel <= .info else { return }   // build no line nobody sees
        let elapsed = now.timeIntervalSince(start)
        var line = "[\(label)] \(d)/\(total)"
        if total > 0 { line += String(format: " (%.0f%%)", 100 * Double(d) / Double(total)) }
        if final {
            line += String(format: " done in %.1fs", elapsed)
        } else if d > 0 && elapsed > 0 {
            let left = elapsed / Double(d) * Double(max(0, total - d))
            line += String(format: ", %.1fs elapsed, ~%.0fs left", elapsed, left)
        }
        log.info("\(line)")
    }
}
