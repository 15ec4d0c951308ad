import Foundation
import RecLabCore
import RecLabImport
import RecLabStore

/// Best-of-`repeats` wall-clock and process CPU seconds of `body`. The machine may be shared: CPU time
/// (all threads) shows the work done even when other processes take the cores.
private func measureBoth(repeats: Int, _ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    var best = (wall: Double.infinity, cpu: Double.infinity)
    func cpuNow() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    for _ in 0..<max(1, repeats) {
        let w0 = DispatchTime.now().uptimeNanoseconds, c0 = cpuNow()
        try body()
        best.cpu = min(best.cpu, cpuNow() - c0)
        best.wall = min(best.wall, Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9)
    }
    return best
}

/// Import throughput for ml-latest-small and ml-100k from ../shared/datasets (release build, files in the
/// page cache after the first run). "rows" are the data lines of all files read (movies, links, users,
/// ratings, tags). Prints parse-only and parse+write rates and the time of each phase (best of N runs).
func benchImport() throws {
    let key = Pseudonymizer(key: "bench-key")
    var any = false
    for name in ["ml-latest-small", "ml-100k"] {
        guard let path = sharedDataset(name) else { print("  \(name): skipped (../shared/datasets/\(name) not found)"); continue }
        any = true
        let options = ImportOptions(pseudonymizer: key)
        var result = try MovieLensImporter.load(path: path, format: nil, options: options) // warm the page cache
        let rows = result.report.recordsRead

        let parse = try measureBoth(repeats: 7) { result = try MovieLensImporter.load(path: path, format: nil, options: options) }
        let phases = result.report.phaseSeconds
        let content = result.content
        var hash = ""
        let hashing = measureBoth(repeats: 7) { hash = ContentHash.compute(content) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reclab-bench-import-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("\(name).sqlite").path
        let write = try measureBoth(repeats: 5) { _ = try DatasetStore.write(content, to: db, force: true) }
        let total = try measureBoth(repeats: 7) {
            let r = try MovieLensImporter.load(path: path, format: nil, options: options)
            _ = try DatasetStore.write(r.content, to: db, force: true)
        }
        var loaded: Dataset?
        let load = try measureBoth(repeats: 5) { loaded = try DatasetStore.load(path: db) }
        let inspect = try measureBoth(repeats: 3) { _ = try DatasetInspection.compute(path: db) }

        func line(_ label: String, _ t: (wall: Double, cpu: Double), rate: Bool = false, note: String = "") {
            var text = "    " + label.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: "%7.1f ms wall %7.1f ms CPU", t.wall * 1e3, t.cpu * 1e3)
            if rate { text += String(format: "  %.2fM rows/s (wall)", Double(rows) / t.wall / 1e6) }
            print(text + (note.isEmpty ? "" : "  " + note))
        }
        print("  \(name): \(rows) rows (\(result.report.ratingsRead) ratings), hash \(hash.prefix(12))")
        line("parse only", parse, rate: true)
        for (phase, seconds) in phases {
            print("      " + phase.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%7.1f ms wall (last run)", seconds * 1e3))
        }
        line("content hash", hashing, note: "(runs beside the inserts in a store write)")
        line("store write", write, note: "(SQLite inserts + hash on a 2nd thread)")
        line("parse + write", total, rate: true, note: "<- import rate; target >= 1M rows/s")
        line("load Dataset", load, note: "(\(loaded?.interactionCount ?? 0) interactions)")
        line("inspect", inspect)
    }
    if !any { print("  no shared datasets found (run from the repository root with ../shared/datasets present)") }
}
