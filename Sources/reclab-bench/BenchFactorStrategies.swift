import Foundation
import RecLabCore
import RecLabImport
import RecLabStrategies
import RecLabSynthetic

// Factorisation strategies (stratB): fit times, the ALS rank-50 10-iteration time, top-N throughput.
// Quality figures come from `reclab run experiments/...` (see the README's Strategies section).

/// A MovieLens folder through the real importer (development pseudonymisation key: benchmarks only).
func benchLoadRatings(_ folder: String) throws -> Dataset {
    let options = ImportOptions(pseudonymizer: Pseudonymizer(key: Pseudonymizer.developmentKey))
    return Dataset(content: try MovieLensImporter.load(path: folder, format: nil, options: options).content)
}

/// The factorisation strategies with their default parameters, plus ALS at Spark's settings.
private let factorConfigs: [(String, String, [String: ParamValue])] = [
    ("biased-mf", "biased-mf", [:]),
    ("als", "als", [:]),
    ("als (spark: no biases)", "als", ["biases": .bool(false)]),
    ("implicit-als", "implicit-als", [:]),
    ("bpr", "bpr", [:]),
]

/// Fit times of the factorisation strategies (all data of ml-latest-small and ML-100K), ALS at Spark's
/// rank 50 / 10 iterations, full-ranking throughput and ndcg@10 on the top-N protocol, and with
/// RECLAB_BENCH_LARGE=1 the time per iteration on the large synthetic world (datasets/large.yaml).
/// `--grid TYPE key=v1,v2 ...` instead prints the top-N ndcg@10 of every grid point (a tuning aid).
func benchFactorStrategies() throws {
    let arguments = CommandLine.arguments
    if let i = arguments.firstIndex(of: "--grid"), i + 1 < arguments.count {
        guard let path = sharedDataset("ml-latest-small") else { print("  ml-latest-small not present, skipped"); return }
        let type = arguments[i + 1]
        var grid: [[String: ParamValue]] = [[:]]
        for spec in arguments[(i + 2)...] {
            let kv = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            let values: [ParamValue] = kv[1].split(separator: ",").map { v in
                if let x = Int(v) { return .int(x) }
                if let x = Double(v) { return .double(x) }
                if let x = Bool(String(v)) { return .bool(x) }
                return .string(String(v))
            }
            grid = grid.flatMap { g in values.map { v in var h = g; h[kv[0]] = v; return h } }
        }
        let bench = TopNBench(dataset: try benchLoadRatings(path))
        for g in grid { try bench.run("\(type) \(Parameters(g))", type: type, params: g) }
        return
    }
    print("  factorisation strategies, default parameters, fit on all ratings:")
    for name in ["ml-latest-small", "ml-100k"] {
        guard let path = sharedDataset(name) else { print("  \(name): not present, skipped"); continue }
        let data = try benchLoadRatings(path)
        let train = TrainingSet(dataset: data, feedback: .explicit)
        print("  \(name): \(data.userCount) users, \(data.itemCount) items, \(train.byUser.nonZeroCount) ratings")
        for (label, type, params) in factorConfigs {
            let strategy = try StrategyRegistry.make(type: type, parameters: Parameters(params))
            let cpu0 = processCPUSeconds()
            let t = try measure { try strategy.fit(train, context: FitContext(seed: 42)) }
            let cpu = processCPUSeconds() - cpu0
            print("    \(label.padding(toLength: 24, withPad: " ", startingAt: 0)) fit \(String(format: "%7.3f", t)) s wall, \(String(format: "%7.3f", cpu)) s CPU")
        }
        if name == "ml-latest-small" {
            let spark: [String: ParamValue] = ["factors": .int(50), "iterations": .int(10), "regularization": .double(0.1), "biases": .bool(false)]
            let cpu0 = processCPUSeconds()
            let t = try measure(repeats: 3) {
                try StrategyRegistry.make(type: "als", parameters: Parameters(spark)).fit(train, context: FitContext(seed: 1))
            }
            let cpu = (processCPUSeconds() - cpu0) / 3
            print(String(format: "    als rank 50, 10 iterations, reg 0.1 (Spark's settings): best of 3 %.3f s wall, %.3f s CPU per fit  (target < 1 s; Spark local[2] 12-16 s)", t, cpu))
            print("  ml-latest-small top-N protocol (fit on the temporal training split):")
            let bench = TopNBench(dataset: data)
            for (label, type, params) in factorConfigs { try bench.run(label, type: type, params: params) }
        }
    }
    if ProcessInfo.processInfo.environment["RECLAB_BENCH_LARGE"] != nil { try benchFactorLarge() }
}

/// User plus system CPU seconds of this process so far (wall time alone misleads on a loaded machine).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// On the large synthetic world (implicit viewing events, per-user temporal split): each strategy with a
/// single iteration or epoch (a full default fit is that times `iterations`/`epochs`), fit time (wall and
/// CPU) and full-ranking throughput over 20,000 users. ndcg@10 after one pass is not a quality figure.
private func benchFactorLarge() throws {
    let config = try SyntheticConfig.load(path: "datasets/large.yaml")
    var content: DatasetContent?
    let generate = measure { content = SyntheticGenerator.generate(config, seed: config.seed) }
    let data = Dataset(content: content!)
    content = nil
    let bench = TopNBench(dataset: data, feedback: .implicit)
    print(String(format: "  large synthetic world: %d users, %d items, %d training interactions (generated in %.1f s); one pass each:",
                 data.userCount, data.itemCount, bench.train.byUser.nonZeroCount, generate))
    let runs: [(String, String, [String: ParamValue])] = [
        ("biased-mf, 1 epoch", "biased-mf", ["epochs": .int(1)]),
        ("als, 1 iteration", "als", ["iterations": .int(1)]),
        ("implicit-als, 1 iteration", "implicit-als", ["iterations": .int(1)]),
        ("bpr, 1 epoch", "bpr", ["epochs": .int(1)]),
    ]
    for (label, type, params) in runs {
        let cpu0 = processCPUSeconds()
        try bench.run(label, type: type, params: params, maxUsers: 20_000)
        print(String(format: "    (CPU for fit and ranking: %.1f s)", processCPUSeconds() - cpu0))
    }
}
