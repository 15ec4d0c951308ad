import Foundation
import RecLabCore
import RecLabStore

// ML-32M-size data on one machine (docs/benchmarks.md, "ML-32M-size data on one machine"): a synthetic world
// the size of MovieLens 32M (datasets/ml32m.yaml: 200,000 users, 87,000 titles, ~32M viewing events) is
// generated, written out as MovieLens CSV files and imported, then run offline (per-user temporal 20%, full
// ranking, implicit relevance) with most-popular, item-knn, implicit-als and EASE restricted to its most-watched
// titles: once each strategy alone, then all four in one run. Every step is a separate `reclab` process (the
// release binary beside this one), timed by the wall clock, with its peak resident memory from wait4's
// ru_maxrss. Targets: the whole offline run under 10 minutes and under 12 GB peak memory.
// Usage: reclab-bench scale [WORLD.yaml] [--keep DIR] [--only-run]
//   --keep DIR   work in DIR and leave the files there (default: a temporary folder, removed at the end)
//   --only-run   reuse DIR's imported store (with --keep), skipping generate and import
func benchScale() throws {
    var args = Array(CommandLine.arguments.dropFirst(2))
    var keep: String?
    var onlyRun = false
    if let i = args.firstIndex(of: "--keep"), i + 1 < args.count { keep = args[i + 1]; args.removeSubrange(i...(i + 1)) }
    if let i = args.firstIndex(of: "--only-run") { onlyRun = true; args.remove(at: i) }
    let world = args.first ?? "datasets/ml32m.yaml"
    guard FileManager.default.fileExists(atPath: world) else { say("  \(world) not found (run from the repository root); skipped"); return }
    let reclab = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("reclab").path
    guard FileManager.default.isExecutableFile(atPath: reclab) else { say("  \(reclab) not built (swift build -c release); skipped"); return }

    let dir = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("reclab-bench-scale-\(getpid())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
    let worldStore = "\(dir)/world.sqlite", csvFolder = "\(dir)/ml32m-csv", imported = "\(dir)/imported.sqlite"
    say("  world \(world); work folder \(dir); RAM \(ProcessInfo.processInfo.physicalMemory >> 30) GiB, \(ProcessInfo.processInfo.activeProcessorCount) cores")

    if !onlyRun {
        let generate = try runMeasured([reclab, "generate", "--config", world, "--out", worldStore, "--force", "--quiet"], log: "\(dir)/generate.log")
        say(generate.line("generate"))
        guard generate.status == 0 else { return }
        let written = try writeMovieLensCSV(store: worldStore, folder: csvFolder)
        say(String(format: "  %-34@ %d ratings, %d movies, %.0f MB (not timed: the bench's own writer)",
                     "write MovieLens CSV" as NSString, written.ratings, written.movies, Double(written.bytes) / 1e6))
        let importing = try runMeasured([reclab, "import", csvFolder, "--out", imported, "--force", "--quiet"], log: "\(dir)/import.log")
        say(importing.line("import (\(written.ratings + written.movies) rows)") + String(format: ", %.2fM rows/s",
              Double(written.ratings + written.movies) / importing.seconds / 1e6))
        guard importing.status == 0 else { return }
        try? FileManager.default.removeItem(atPath: csvFolder)
        try? FileManager.default.removeItem(atPath: worldStore)
    }
    // Every figure below runs the imported store: the ratings file's values are not used (implicit feedback,
    // every viewing event relevant), as for viewing logs.

    let strategies: [(name: String, entry: String)] = [
        ("most-popular", "{name: most-popular, type: most-popular}"),
        ("item-knn", "{name: item-knn, type: item-knn}"),
        ("implicit-als", "{name: implicit-als, type: implicit-als, params: {factors: 64, iterations: 10}}"),
        ("ease", "{name: ease, type: ease, params: {top_items: 10000, lambda: 500}}"),
    ]
    func config(_ name: String, _ entries: [String], store: String? = nil) throws -> String {
        let path = "\(dir)/\(name).yaml"
        try """
            name: \(name)
            seed: 42
            dataset: {store: \(store ?? imported)}
            split: {method: user-temporal, fraction: 0.2}
            relevance: implicit
            feedback: implicit
            strategies:
            \(entries.map { "  - \($0)" }.joined(separator: "\n"))
            metrics: [ndcg@10, recall@10, coverage@10]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    var peak = 0
    for s in strategies {
        let path = try config("scale-\(s.name)", [s.entry])
        let run = try runMeasured([reclab, "run", path, "--out", "\(dir)/run-\(s.name)"], log: "\(dir)/run-\(s.name).log")
        peak = max(peak, run.peakBytes)
        say(run.line("run \(s.name) alone") + runDetail("\(dir)/run-\(s.name)/metrics.json", log: "\(dir)/run-\(s.name).log"))
    }
    let all = try config("scale-all", strategies.map(\.entry))
    let whole = try runMeasured([reclab, "run", all, "--out", "\(dir)/run-all"], log: "\(dir)/run-all.log")
    say(whole.line("run all four in one process") + runDetail("\(dir)/run-all/metrics.json", log: "\(dir)/run-all.log"))
    say(String(format: "  whole offline run: %.1f s (target < 600 s), peak %.2f GB (target < 12 GB); largest single-strategy peak %.2f GB",
                 whole.seconds, Double(whole.peakBytes) / 1e9, Double(peak) / 1e9))

    // implicit-als grows linearly in the interactions: the same run on a fifth of the users.
    let fifth = "\(dir)/world-fifth.sqlite"
    let fifthWorld = try runMeasured([reclab, "generate", "--config", world, "--users", "40000", "--out", fifth, "--force", "--quiet"],
                                     log: "\(dir)/generate-fifth.log")
    if fifthWorld.status == 0 {
        let path = try config("scale-fifth-implicit-als", [strategies[2].entry], store: fifth)
        let run = try runMeasured([reclab, "run", path, "--out", "\(dir)/run-fifth"], log: "\(dir)/run-fifth.log")
        let small = fitSeconds("\(dir)/run-fifth/metrics.json"), large = fitSeconds("\(dir)/run-implicit-als/metrics.json")
        say(run.line("run implicit-als, 40,000 users") + String(format: "\n      implicit-als fit: %.1f s for %@ training entries, %.1f s for %@: %.2f µs per entry and iteration against %.2f",
              small.seconds, small.entries as NSString, large.seconds, large.entries as NSString,
              small.perEntry, large.perEntry))
    }
    try? FileManager.default.removeItem(atPath: fifth)

    // BLAS threading chosen per call: EASE on a 12,000-title world of about 5M events (where OpenBLAS threading
    // inside per-user work used to cost 5x), as is and with OPENBLAS_NUM_THREADS=1.
    let mid = "\(dir)/world-12k.sqlite"
    let midWorld = try runMeasured([reclab, "generate", "--config", "datasets/large.yaml", "--users", "50000", "--movies", "12000",
                                    "--out", mid, "--force", "--quiet"], log: "\(dir)/generate-12k.log")
    if midWorld.status == 0 {
        let path = try config("scale-12k-ease", ["{name: ease, type: ease}"], store: mid)
        for (label, env) in [("default threads", [String: String]()), ("OPENBLAS_NUM_THREADS=1", ["OPENBLAS_NUM_THREADS": "1"])] {
            let run = try runMeasured([reclab, "run", path, "--out", "\(dir)/run-12k"], log: "\(dir)/run-12k.log", environment: env)
            say(run.line("ease, 12k titles, \(label)") + runDetail("\(dir)/run-12k/metrics.json", log: "\(dir)/run-12k.log"))
        }
    }
    try? FileManager.default.removeItem(atPath: mid)
}

/// The first strategy's fit seconds in a run's metrics.json and the training entries its log reports.
func fitSeconds(_ metricsPath: String) -> (seconds: Double, entries: String, perEntry: Double) {
    guard let data = FileManager.default.contents(atPath: metricsPath),
          let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let s = (doc["strategies"] as? [[String: Any]])?.first, let fit = s["fit_seconds"] as? Double else { return (.nan, "?", .nan) }
    let card = doc["dataset"] as? [String: Any] ?? (doc["provenance"] as? [String: Any])?["dataset"] as? [String: Any] ?? [:]
    let interactions = card["interactions"] as? Int ?? 0
    let iterations = Double((s["parameters"] as? [String: String])?["iterations"] ?? "") ?? 10
    // The per-user temporal split trains on 80% of the interactions.
    let entries = Double(interactions) * 0.8
    return (fit, String(format: "%.1fM", entries / 1e6), fit / entries / iterations * 1e6)
}

/// A command's wall-clock seconds, peak resident memory (bytes) and exit status.
struct CommandCost {
    var seconds: Double
    var peakBytes: Int
    var status: Int32

    func line(_ label: String) -> String {
        String(format: "  %-34@ %7.1f s  peak %6.2f GB%@", label as NSString, seconds, Double(peakBytes) / 1e9,
               (status == 0 ? "" : " FAILED (exit \(status))") as NSString)
    }
}

/// Runs `argv` with stdout and stderr to `log`; peak memory is the child's ru_maxrss (wait4), which counts the
/// child alone, not this process.
func runMeasured(_ argv: [String], log: String, environment: [String: String] = [:]) throws -> CommandCost {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    var cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in cEnv { free(p) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
    guard rc == 0 else { throw RecLabError.data("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    // Linux: ru_maxrss in KiB. Exit status: WEXITSTATUS, or 128 + the signal.
    let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return CommandCost(seconds: seconds, peakBytes: Int(usage.ru_maxrss) * 1024, status: exit)
}

/// Per strategy: fit and evaluation seconds and ndcg@10 from the run's metrics.json; the phases the run logged.
func runDetail(_ metricsPath: String, log: String) -> String {
    guard let data = FileManager.default.contents(atPath: metricsPath),
          let doc = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return "" }
    var parts: [String] = []
    for s in doc["strategies"] as? [[String: Any]] ?? [] {
        let name = s["name"] as? String ?? "?"
        let fit = s["fit_seconds"] as? Double ?? .nan, eval = s["eval_seconds"] as? Double ?? .nan
        let ndcg = (doc["results"] as? [[String: Any]] ?? []).first {
            $0["strategy"] as? String == name && $0["metric"] as? String == "ndcg@10" && $0["fold"] == nil
        }?["mean"] as? Double ?? .nan
        parts.append(String(format: "%@: fit %.1f s, evaluate %.1f s, ndcg@10 %.4f", name as NSString, fit, eval, ndcg))
    }
    return parts.isEmpty ? "" : "\n      " + parts.joined(separator: "\n      ")
}

/// Writes the store's viewing events as a MovieLens ml-latest folder (movies.csv, ratings.csv), one rating line per
/// event: its rating when the user rated it, else half stars from the completion (0.5 + 4.5 x completion, rounded
/// to a half star), so every event is a row as in ML-32M. Streams rows; returns the counts and bytes written.
func writeMovieLensCSV(store: String, folder: String) throws -> (ratings: Int, movies: Int, bytes: Int) {
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let db = try DatasetStore.open(store)
    var moviesText = "movieId,title,genres\n"
    var movies = 0
    let m = try db.prepare("SELECT id, genres FROM movies ORDER BY id")
    while try m.step() {
        let genres = m.text(1)
        moviesText += "\(m.int64(0)),Title \(m.int64(0)),\(genres.isEmpty ? "(no genres listed)" : genres)\n"
        movies += 1
    }
    try moviesText.write(toFile: "\(folder)/movies.csv", atomically: true, encoding: .utf8)
    var bytes = moviesText.utf8.count
    let ratingsPath = "\(folder)/ratings.csv"
    guard FileManager.default.createFile(atPath: ratingsPath, contents: nil), let out = FileHandle(forWritingAtPath: ratingsPath) else {
        throw RecLabError.data("cannot write \(ratingsPath)")
    }
    defer { try? out.close() }
    var buffer = Array("userId,movieId,rating,timestamp\n".utf8)
    buffer.reserveCapacity(1 << 23)
    let r = try db.prepare("SELECT user_id, movie_id, rating, completion, ts FROM interactions")
    var ratings = 0
    func appendInt(_ v: Int64) {
        if v == 0 { buffer.append(48); return }
        var digits: [UInt8] = []
        var x = v < 0 ? -v : v
        while x > 0 { digits.append(UInt8(48 + x % 10)); x /= 10 }
        if v < 0 { buffer.append(45) }
        buffer.append(contentsOf: digits.reversed())
    }
    while try r.step() {
        let halfStars: Int
        if !r.isNull(2) { halfStars = Int((r.double(2) * 2).rounded()) } else {
            let completion = r.isNull(3) ? 0.5 : min(1, max(0, r.double(3)))
            halfStars = Int(((0.5 + 4.5 * completion) * 2).rounded())
        }
        appendInt(r.int64(0)); buffer.append(44)
        appendInt(r.int64(1)); buffer.append(44)
        appendInt(Int64(halfStars / 2)); buffer.append(46); buffer.append(halfStars % 2 == 0 ? 48 : 53); buffer.append(44)
        appendInt(r.int64(4)); buffer.append(10)
        ratings += 1
        if buffer.count > (1 << 23) - 64 { try out.write(contentsOf: buffer); bytes += buffer.count; buffer.removeAll(keepingCapacity: true) }
    }
    try out.write(contentsOf: buffer); bytes += buffer.count
    return (ratings, movies, bytes)
}

/// Prints and flushes at once: the suite runs for minutes, often into a file, and each figure should show as it comes.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
