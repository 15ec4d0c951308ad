import Foundation

public enum Parallel {
    /// Range of `RECLAB_THREADS`.
    public static let threadsRange = 1...1024

    /// The worker count `RECLAB_THREADS` in `env` asks for: nil when unset or empty, an error naming the
    /// variable when it is not a whole number in `threadsRange`. Read once, by the application layer.
    public static func threadsFromEnvironment(_ env: [String: String]) throws -> Int? {
        guard let s = env["RECLAB_THREADS"], !s.isEmpty else { return nil }
        guard let n = Int(s.trimmingCharacters(in: .whitespaces)), threadsRange.contains(n) else {
            throw RecLabError.usage("RECLAB_THREADS must be a whole number between \(threadsRange.lowerBound) and \(threadsRange.upperBound), got '\(s.prefix(40))'")
        }
        return n
    }

    /// The machine's active cores (the default thread count).
    public static var machineCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The thread count of the run in progress, bound by `RunContext.withThreads` around an engine's work
    /// (task-local, so concurrent runs in one process, such as parallel tests, do not see each other's).
    @TaskLocal public static var scopedThreads: Int?

    /// Worker count: the run's (`RunContext.threads`), else the machine's cores.
    public static var workerCount: Int { scopedThreads ?? machineCores }

    /// Runs `body` over `0..<count` split into contiguous chunks, one worker per chunk set.
    /// Results must not depend on the chunking: each index's work is independent, so seeded work
    /// stays deterministic whatever the thread count.
    public static func forEachChunk(_ count: Int, minChunk: Int = 64, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = workerCount
        if workers == 1 || count <= minChunk { body(0..<count); return }
        let chunks = min(count / minChunk + 1, workers * 8)
        let size = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            // nonisolated(unsafe): callers hand over work on disjoint index ranges (each writes only its own
            // chunk's outputs), and concurrentPerform returns only after every chunk has run, so `body` is
            // never used after this call; requiring a @Sendable body would reject those disjoint writes.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * size, hi = min(count, lo + size)
                if lo < hi { body(lo..<hi) }
            }
        }
    }
}
