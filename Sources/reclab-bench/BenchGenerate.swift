import Foundation
import RecLabCore
import RecLabStore
import RecLabSynthetic

/// Generation rate for the large synthetic world (datasets/large.yaml), plus where the time goes:
/// the world alone (catalogue, pseudonyms, user latent state), the full generation (adds the daily
/// sessions and event records), the content hash, and a store write of the small world.
/// `reclab-bench generate [CONFIG]` benchmarks another config.
func benchGenerate() throws {
    let path = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "datasets/large.yaml"
    let config = try SyntheticConfig.load(path: path)
    print("  config \(path): \(config.summary), threads \(Parallel.workerCount)")

    let worldOnly = measure { _ = SyntheticGenerator.groundTruth(config, seed: config.seed) }
    var content = DatasetContent(name: "", source: "")
    let cpu0 = processCPUSeconds()
    let full = measure { content = SyntheticGenerator.generate(config, seed: config.seed) }
    let cpu = processCPUSeconds() - cpu0
    let events = content.interactions.count
    print(String(format: "  generate: %d events, %d ratings in %.2f s = %.2fM events/s (wall clock)",
                 events, content.ratingCount, full, Double(events) / full / 1e6))
    // On a shared machine wall time includes waiting for a core; CPU time does not.
    print(String(format: "    CPU time %.2f s = %.2fM events per CPU-second (x %d threads = %.2fM events/s if the cores were free)",
                 cpu, Double(events) / cpu / 1e6, Parallel.workerCount, Double(events) / cpu / 1e6 * Double(Parallel.workerCount)))
    print(String(format: "    world only (catalogue, pseudonyms, user factors, truth encoding): %.2f s", worldOnly))
    print(String(format: "    sessions and event records: %.2f s", full - worldOnly))
    var hash = ""
    let hashTime = measure { hash = ContentHash.compute(content) }
    // The hash itself is printed so a change to the hashing code can be checked to keep it bit-identical.
    print(String(format: "  content_hash over the result: %.2f s (%.2fM rows/s)", hashTime, Double(events) / hashTime / 1e6) + " = \(hash)")
    content = DatasetContent(name: "", source: "")

    // End to end for the demo world: generate + write the SQLite store (what `reclab generate` does).
    if let small = try? SyntheticConfig.load(path: "datasets/small.yaml") {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reclab-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = DatasetContent(name: "", source: "")
        let gen = measure { c = SyntheticGenerator.generate(small, seed: small.seed) }
        let write = try measure { try DatasetStore.write(c, to: dir.appendingPathComponent("s.sqlite").path, force: true) }
        print(String(format: "  small world: generate %.2f s (%d events), store write incl. hash %.2f s",
                     gen, c.interactions.count, write))
    }
}
