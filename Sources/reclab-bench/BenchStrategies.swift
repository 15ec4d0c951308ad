import Foundation
import RecLabCore
import RecLabEval
import RecLabImport
import RecLabStrategies
import RecLabSynthetic

// Strategy benchmarks: fit time and full-ranking throughput (users/s at k = 100) per strategy, plus the
// ndcg@10 of the issue's top-N protocol as a sanity figure. Each strategy engineer adds a function here.
func benchStrategies() throws {
    try benchNeighborhoodStrategies()
    try benchFactorStrategies()
}

// MARK: - shared helpers

/// The issue's top-N protocol on one dataset: each user's latest 20% of interactions (at least one) by
/// timestamp go to test; relevant = test rating ≥ 4; full ranking over all items minus training items;
/// users without a relevant test item are left out.
struct TopNBench {
    let train: TrainingSet
    /// Sorted relevant test items per user (empty = user not evaluated).
    let relevant: [[Int32]]

    init(dataset: Dataset, feedback: FeedbackKind = .explicit, testFraction: Double = 0.2, threshold: Float = 4) {
        var trainRows = [Int32](), rel = [[Int32]](repeating: [], count: dataset.userCount)
        for u in 0..<dataset.userCount {
            let lo = dataset.userStart[u], hi = dataset.userStart[u + 1]
            let n = hi - lo
            guard n > 0 else { continue }
            let testCount = max(1, Int((Double(n) * testFraction).rounded()))
            let cut = hi - min(n, testCount)
            for r in lo..<cut { trainRows.append(Int32(r)) }
            var items = Set<Int32>()
            for r in cut..<hi where feedback == .implicit || dataset.ratings[r] >= threshold { items.insert(dataset.items[r]) }
            rel[u] = items.sorted()
        }
        train = TrainingSet(dataset: dataset, rows: trainRows, feedback: feedback)
        // A relevant item already in training cannot be recommended; keep the protocol's "minus training items".
        relevant = rel
    }

    var evaluatedUsers: [Int] { (0..<relevant.count).filter { !relevant[$0].isEmpty } }

    /// Fits, then ranks every evaluated user (the first `maxUsers` of them) at k = 100 in parallel;
    /// prints fit s, users/s and ndcg@10.
    func run(_ label: String, type: String, params: [String: ParamValue] = [:], seed: UInt64 = 42, maxUsers: Int = .max) throws {
        let strategy = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        let fitSeconds = try measure { try strategy.fit(train, context: FitContext(seed: seed)) }
        let users = Array(evaluatedUsers.prefix(maxUsers))
        var ndcg = [Double](repeating: 0, count: users.count)
        let rankSeconds = measure {
            ndcg.withUnsafeMutableBufferPointer { out in
                let out = out
                Parallel.forEachChunk(users.count, minChunk: 16) { chunk in
                    var buffer = [Float](repeating: 0, count: train.itemCount)
                    buffer.withUnsafeMutableBufferPointer { b in
                        for idx in chunk {
                            let u = users[idx]
                            let top = strategy.recommend(user: u, k: 100, train: train, buffer: b)
                            out[idx] = RankedHits(recommended: top.map(\.item), relevant: relevant[u][...]).ndcg(at: 10)
                        }
                    }
                }
            }
        }
        let mean = ndcg.reduce(0, +) / Double(max(1, users.count))
        let name = label.padding(toLength: 34, withPad: " ", startingAt: 0)
        print("  \(name) fit \(String(format: "%7.2f", fitSeconds)) s   rank \(String(format: "%9.0f", Double(users.count) / rankSeconds)) users/s   ndcg@10 \(String(format: "%.4f", mean))  (\(users.count) users)")
    }
}

// MARK: - stratA: baselines, neighbourhood, EASE, content, hybrid

func benchNeighborhoodStrategies() throws {
    guard let path = sharedDataset("ml-latest-small") else {
        print("  (skipped: ../shared/datasets/ml-latest-small not present)")
        return
    }
    let imported = try MovieLensImporter.load(path: path, format: nil, options: ImportOptions(pseudonymizer: Pseudonymizer(key: "bench")))
    let dataset = Dataset(content: imported.content)
    let bench = TopNBench(dataset: dataset)
    print("  ml-latest-small, per-user temporal 80/20 split, \(bench.train.byUser.nonZeroCount) training ratings, \(dataset.itemCount) items")
    let only = ProcessInfo.processInfo.environment["RECLAB_BENCH_ONLY"]
    let runs: [(String, String, [String: ParamValue])] = [
        ("random", "random", [:]),
        ("most-popular", "most-popular", [:]),
        ("top-rated", "top-rated", [:]),
        ("item-knn", "item-knn", [:]),
        ("item-knn adjusted-cosine k=10 sh=100", "item-knn", ["similarity": .string("adjusted-cosine"), "k": .int(10), "shrink": .int(100)]),
        ("user-knn", "user-knn", [:]),
        ("ease", "ease", [:]),
        ("content", "content", [:]),
        ("hybrid (ease + content)", "hybrid", [:]),
    ]
    // RECLAB_BENCH_GRID=1 adds the tuning grid behind the documented defaults.
    + (ProcessInfo.processInfo.environment["RECLAB_BENCH_GRID"] == nil ? [] : [
        ("ease lambda=100", "ease", ["lambda": .int(100)]),
        ("ease lambda=200", "ease", ["lambda": .int(200)]),
        ("ease lambda=800", "ease", ["lambda": .int(800)]),
        ("item-knn shrink=0 k=100 (implicit-like)", "item-knn", ["shrink": .int(0), "k": .int(100)]),
        ("item-knn k=50", "item-knn", ["k": .int(50)]),
        ("item-knn binarize=false", "item-knn", ["binarize": .bool(false)]),
        ("item-knn pearson", "item-knn", ["similarity": .string("pearson")]),
        ("user-knn binarize=true", "user-knn", ["binarize": .bool(true)]),
        ("user-knn k=100", "user-knn", ["k": .int(100)]),
        ("user-knn pearson", "user-knn", ["similarity": .string("pearson")]),
        ("content binary", "content", ["weighting": .string("binary")]),
        ("content genres only", "content", ["tag_weight": .int(0)]),
        ("hybrid cold_item_weight=1", "hybrid", ["cold_item_weight": .int(1)]),
        ("hybrid item-knn base", "hybrid", ["base": .string("item-knn")]),
    ])
    for (label, type, params) in runs where only == nil || only!.split(separator: ",").contains(Substring(type)) {
        try bench.run(label, type: type, params: params)
    }
    try benchItemKNNAgainstImplicit(TopNBench(dataset: dataset, feedback: .implicit))
    try benchNeighborhoodSynthetic()
}

/// `reclab-bench knn-peer`: the item-knn peer comparison alone (it also runs inside `strategies`).
func benchKNNPeer() throws {
    guard let path = sharedDataset("ml-latest-small") else {
        print("  (skipped: ../shared/datasets/ml-latest-small not present)")
        return
    }
    let imported = try MovieLensImporter.load(path: path, format: nil, options: ImportOptions(pseudonymizer: Pseudonymizer(key: "bench")))
    try benchItemKNNAgainstImplicit(TopNBench(dataset: Dataset(content: imported.content), feedback: .implicit))
}

/// item-knn's fit beside its peer, the `implicit` package's cosine item-kNN (CosineRecommender, C++), in one
/// run on the same binary training matrix of ml-latest-small: k = 20, plain cosine (shrink 0), both on all
/// cores, best of 5 each. Also the share of identical neighbours (ties may order differently). The peer runs
/// through Tests/Oracles/implicit_itemknn_peer.py; without `pip install implicit` only RecLab's time is printed.
func benchItemKNNAgainstImplicit(_ bench: TopNBench) throws {
    let train = bench.train
    let strategy = try StrategyRegistry.make(type: "item-knn", parameters: Parameters(["k": .int(20), "shrink": .int(0)])) as! ItemKNNRecommender
    let ours = try measure(repeats: 5) { try strategy.fit(train, context: FitContext(seed: 1)) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reclab-bench-knn-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var csv = ""
    let m = train.byUser
    for u in 0..<m.rowCount { for k in m.range(ofRow: u) { csv += "\(u),\(m.columns[k])\n" } }
    let csvPath = dir.appendingPathComponent("train.csv").path
    try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
    let script = "Tests/Oracles/implicit_itemknn_peer.py"
    let peer = Process()
    peer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    // K = 21: implicit counts the item itself among its K neighbours (the script drops it); RecLab's k = 20 excludes it.
    peer.arguments = ["python3", script, "--train", csvPath, "--users", "\(train.userCount)", "--items", "\(train.itemCount)", "--k", "21"]
    let out = Pipe()
    peer.standardOutput = out
    peer.standardError = FileHandle.nullDevice
    let line = String(format: "  item-knn fit vs implicit (ml-latest-small, %d training interactions, k 20, cosine): RecLab %.3f s",
                      m.nonZeroCount, ours)
    guard FileManager.default.fileExists(atPath: script), (try? peer.run()) != nil else { print(line + "; implicit: not run (script missing)"); return }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    peer.waitUntilExit()
    guard peer.terminationStatus == 0, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let seconds = json["seconds"] as? Double, let lists = json["neighbours"] as? [String: [Int]] else {
        print(line + "; implicit: not installed or failed (pip install implicit)")
        return
    }
    // Same neighbourhoods: per item, the two lists' similarity values agree (ties may pick other items of equal
    // similarity, so the sets can differ where the values cannot).
    let values = json["similarities"] as? [String: [Double]] ?? [:]
    var same = 0, sameSets = 0
    for i in 0..<train.itemCount {
        let mine = strategy.neighbours(of: i)
        let theirs = values["\(i)"] ?? []
        if mine.count == theirs.count && zip(mine, theirs).allSatisfy({ abs(Double($0.similarity) - $1) <= 1e-5 * max(1, $1) }) { same += 1 }
        if Set(mine.map(\.item)) == Set(lists["\(i)"] ?? []) { sameSets += 1 }
    }
    print(line + String(format: ", implicit %@ %.3f s: ratio %.2f (RecLab / implicit); items with the same neighbour similarities %d of %d (same neighbour sets, ties aside: %d)",
                        (json["version"] as? String ?? "?") as NSString, seconds, ours / seconds, same, train.itemCount, sameSets))
}

/// Fit time and ranking throughput on a generated world (implicit viewing events), by default the large
/// benchmark config (200k users, 20k titles, about 20M events); RECLAB_BENCH_SYNTHETIC picks another config.
/// EASE (a dense 20k × 20k inverse) and user-knn (Σ_i n_i² co-occurrences) are left out there by design:
/// item-knn is the neighbourhood method meant to scale.
func benchNeighborhoodSynthetic() throws {
    let configPath = ProcessInfo.processInfo.environment["RECLAB_BENCH_SYNTHETIC"] ?? "datasets/large.yaml"
    guard FileManager.default.fileExists(atPath: configPath) else {
        print("  (skipped synthetic: \(configPath) not found; run from the repository root)")
        return
    }
    let config = try SyntheticConfig.load(path: configPath)
    var content: DatasetContent?
    let genSeconds = measure { content = SyntheticGenerator.generate(config, seed: config.seed) }
    let dataset = Dataset(content: content!)
    content = nil
    let bench = TopNBench(dataset: dataset, feedback: .implicit)
    print("  \(config.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(dataset.interactionCount) events (generated in \(String(format: "%.1f", genSeconds)) s), implicit, temporal 80/20")
    let large = dataset.itemCount > 5000
    var runs: [(String, String, [String: ParamValue])] = [
        ("most-popular", "most-popular", [:]),
        ("item-knn", "item-knn", [:]),
        ("content", "content", [:]),
    ]
    if !large { runs += [("user-knn", "user-knn", [:]), ("ease", "ease", [:])] }
    for (label, type, params) in runs {
        try bench.run(label, type: type, params: params, maxUsers: 20_000)
    }
}
