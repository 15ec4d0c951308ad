import Foundation
import Logging

/// The time source of a run (provenance `created_at`); fixed in tests that compare documents.
public struct RunClock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = RunClock { Date() }
    public static func fixed(_ date: Date) -> RunClock { RunClock { date } }
}

/// Everything a run takes from its surroundings, decided once by the application layer (flags and
/// environment) and handed to the engines, which read no global, environment variable or process.
public struct RunContext: Sendable {
    /// Worker threads for parallel loops (`RECLAB_THREADS`, else the machine's cores).
    public var threads: Int
    /// Progress, notes and warnings (`RecLabLog`: `info` progress, `warning` kept by `--quiet`).
    public var log: Logger
    public var clock: RunClock
    /// Provenance stamped into result documents.
    public var reclabVersion: String
    public var gitCommit: String?
    /// The key user ids are pseudonymised with (imports in memory, predefined split files). Resolved only
    /// when asked for, so a run that never needs the key never fails over it.
    public var pseudonymKey: @Sendable () throws -> Pseudonymizer
    /// Reads an input file the plan names (predefined split files).
    public var readFile: @Sendable (String) throws -> Data

    public init(threads: Int = Parallel.machineCores, log: Logger = RecLabLog.silent, clock: RunClock = .system,
                reclabVersion: String = RecLabVersion.string, gitCommit: String? = nil,
                pseudonymKey: @escaping @Sendable () throws -> Pseudonymizer = { Pseudonymizer(key: Pseudonymizer.developmentKey) },
                readFile: @escaping @Sendable (String) throws -> Data = LocalFiles.read) {
        self.threads = max(1, threads); self.log = log; self.clock = clock
        self.reclabVersion = reclabVersion; self.gitCommit = gitCommit; self.pseudonymKey = pseudonymKey
        self.readFile = readFile
    }

    public func pseudonymizer() throws -> Pseudonymizer { try pseudonymKey() }

    /// The `created_at` of a document made now (ISO 8601, UTC).
    public var createdAt: String { ISO8601DateFormatter().string(from: clock.now()) }

    /// Runs `body` with this context's thread count for every `Parallel.forEachChunk` it reaches and its
    /// logger for every `ProgressReporter` made without one (code deep inside, such as a strategy's fit),
    /// scoped to the call (task-local values): nothing process-wide changes.
    public func bound<T>(_ body: () throws -> T) rethrows -> T {
        try Parallel.$scopedThreads.withValue(threads) {
            try RecLabLog.$current.withValue(log, operation: body)
        }
    }

    /// Whether progress lines are wanted (the logger passes `info`); callers skip making a reporter otherwise.
    public var showsProgress: Bool { log.logLevel <= .info }

    /// A progress reporter logging to this context's logger.
    public func progress(_ label: String, total: Int, interval: Double = 2.0) -> ProgressReporter {
        ProgressReporter(label, total: total, interval: interval, log: log)
    }
}
