import Foundation

/// Wall-clock seconds of `body`, best of `repeats` runs (the best is the least disturbed by other load).
func measure(repeats: Int = 1, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return best
}

/// `../shared/datasets/NAME` relative to the working directory, or nil when absent.
func sharedDataset(_ name: String) -> String? {
    let candidates = ["../shared/datasets/\(name)", "../../shared/datasets/\(name)"]
    return candidates.first { FileManager.default.fileExists(atPath: $0) }
}
