import Foundation
import Logging

/// The time sources of a run: the wall clock stamped into documents (`created_at`) and a monotonic clock for
/// durations (fit and evaluation seconds), which never jumps when the wall clock is set. Tests that compare
/// documents fix the wall clock; durations stay real unless a test fixes them too.
public struct RunClock: Sendable {
    public let now: @Sendable () -> Date
    /// Nanoseconds since an arbitrary origin, never decreasing (`CLOCK_MONOTONIC`).
    public let monotonicNanoseconds: @Sendable () -> UInt64

    public init(now: @escaping @Sendable () -> Date,
                monotonicNanoseconds: @escaping @Sendable () -> UInt64 = RunClock.systemMonotonicNanoseconds) {
        self.now = now; self.monotonicNanoseconds = monotonicNanoseconds
    }

    public static let system = RunClock { Date() }
    public static func fixed(_ date: Date) -> RunClock { RunClock { date } }

    /// The operating system's monotonic clock.
    @Sendable public static func systemMonotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Runs `body` and returns its result with the seconds it took on the monotonic clock.
    public func measure<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
        let start = monotonicNanoseconds()
        let value = try body()
        let end = monotonicNanoseconds()
        return (value, Double(end &- start) / 1e9)
    }

    /// The seconds `body` took on the monotonic clock.
    public func seconds(_ body: () throws -> Void) rethrows -> Double { try measure(body).seconds }
}

/// Every seed of a run as a tree: a node's children are named (`fit-3`, `repeat-1`, a unit id) and each child's
/// seed is drawn from its parent's seed and its name alone, so a piece of work gets the same randomness
/// whatever ran before it, on whichever machine (sharded runs recompute one unit and must match the whole run).
/// The derivation is one draw of `SeededRandom(seed: parent, stream: name)` (xoshiro256** seeded by SplitMix64
/// over the FNV-1a hash of the name), the rule offline runs have used since the first version, so existing
/// seeds and results do not change.
public struct SeedTree: Sendable, Hashable {
    public let seed: UInt64

    public init(root: UInt64) { seed = root }

    /// The child named `name`.
    public func child(_ name: String) -> SeedTree {
        var rng = SeededRandom(seed: seed, stream: name)
        return SeedTree(root: rng.next())
    }

    /// The node at `path` below this one (`tree.descendant(["unit-4", "fit-0"])`).
    public func descendant(_ path: [String]) -> SeedTree { path.reduce(self) { $0.child($1) } }

    /// A random stream of this node (for loops that draw per user, per day, ...).
    public func random(stream: UInt64) -> SeededRandom { SeededRandom(seed: seed, stream: stream) }
}

/// Everything a run takes from its surroundings, decided once by the application layer (flags and
/// environment) and handed to the engines, which read no global, environment variable or process.
public struct RunContext: Sendable {
    /// Worker threads for parallel loops (`RECLAB_THREADS`, else the machine's cores).
    public var threads: Int
    /// Progress, notes and warnings (`RecLabLog`: `info` progress, `warning` kept by `--quiet`).
    public var log: Logger
    public var clock: RunClock
    /// The root of every seed the run derives. `nil`: the engine roots the tree at the plan's `seed` (what
    /// `reclab` does); set it to re-root a run (a validation repeat, a shard re-run with another seed) without
    /// editing the plan.
    public var seeds: SeedTree?
    /// Bytes a run may plan to use (`RECLAB_MEMORY_LIMIT`, else 80% of the machine's memory); strategies whose
    /// memory is known up front are checked against it before any work. nil: not checked.
    public var memoryBudget: Int?
    /// Provenance stamped into result documents.
    public var reclabVersion: String
    public var gitCommit: String?
    /// The key user ids are pseudonymised with (imports in memory, predefined split files). Resolved only
    /// when asked for, so a run that never needs the key never fails over it.
    public var pseudonymKey: @Sendable () throws -> Pseudonymizer
    /// Reads an input file the plan names (predefined split files).
    public var readFile: @Sendable (String) throws -> Data

    public init(threads: Int = Parallel.machineCores, log: Logger = RecLabLog.silent, clock: RunClock = .system,
                seeds: SeedTree? = nil, memoryBudget: Int? = nil,
                reclabVersion: String = RecLabVersion.string, gitCommit: String? = nil,
                pseudonymKey: @escaping @Sendable () throws -> Pseudonymizer = { Pseudonymizer(key: Pseudonymizer.developmentKey) },
                readFile: @escaping @Sendable (String) throws -> Data = LocalFiles.read) {
        self.threads = max(1, threads); self.log = log; self.clock = clock; self.seeds = seeds
        self.memoryBudget = memoryBudget
        self.reclabVersion = reclabVersion; self.gitCommit = gitCommit; self.pseudonymKey = pseudonymKey
        self.readFile = readFile
    }

    /// The seed tree of a run whose plan says `planSeed`.
    public func seedTree(planSeed: UInt64) -> SeedTree { seeds ?? SeedTree(root: planSeed) }

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
