import Foundation
import RecLabApp
import RecLabCore

// Benchmarks print figures; they never assert timings. Run `make bench` (release build).
// Usage: reclab-bench [all|import|generate|strategies|knn-peer|baselines|eval|simulate|longterm|tune|scale] ...
let args = Array(CommandLine.arguments.dropFirst())
let which = args.first ?? "all"
AppLogging.bootstrap()
// Figures only: no progress lines; threads from RECLAB_THREADS like the CLI.
let context: RunContext
do { context = try AppContext.make(quiet: true, provenance: false) } catch {
    printError("reclab-bench: \(error)")
    exit(2)
}

let suites: [(String, () throws -> Void)] = [
    ("import", benchImport),
    ("generate", benchGenerate),
    ("strategies", benchStrategies),
    ("knn-peer", benchKNNPeer),
    ("baselines", benchBaselines),
    ("eval", benchEval),
    ("simulate", benchSimulate),
    ("longterm", benchLongTerm),
    ("tune", benchTune),
    ("scale", benchScale),
]

var ran = false
// `tune` (the tuned comparison, several minutes) runs only when named; `scale` (ML-32M-size data, the longest
// suite, a few GB of disk) runs last in `all`, as `make bench` asks.
// `knn-peer` is part of `strategies`, so `all` skips it.
for (name, body) in suites where (which == "all" && !["tune", "knn-peer"].contains(name)) || which == name {
    print("== \(name) ==")
    do { try context.bound(body) } catch { print("  failed: \(error)") }
    ran = true
}
if !ran {
    printError("unknown benchmark '\(which)'; choose one of: all, \(suites.map(\.0).joined(separator: ", "))")
    exit(2)
}
