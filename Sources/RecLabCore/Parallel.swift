import Foundation

public enum Parallel {
    /// Worker count: the machine's active cores, overridable with `RECLAB_THREADS`.
    public static var workerCount: Int {
        if let s = ProcessInfo.processInfo.environment["RECLAB_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body` over `0..<count` split into contiguous chunks, one worker per chunk set.
    /// Results must not depend on the chunking: each index's work is independent, so seeded work
    /// stays deterministic whatever the thread count.
    public static func forEachChunk(_ count: Int, minChunk: Int = 64, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = workerCount
        if workers == 1 || count <= minChunk { body(0..<count); return }
        let chunks = min(count / minChunk + 1, workers * 8)
        let size = (count + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = c * size, hi = min(count, lo + size)
            if lo < hi { body(lo..<hi) }
        }
    }
}
