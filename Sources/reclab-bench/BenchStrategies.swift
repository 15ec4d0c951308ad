import Foundation
import RecLabCore
import RecLabEval
import RecLabStrategies

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

    init(dataset: Dataset, testFraction: Double = 0.2, threshold: Float = 4) {
        var trainRows = [Int32](), rel = [[Int32]](repeating: [], count: dataset.userCount)
        for u in 0..<dataset.userCount {
            let lo = dataset.userStart[u], hi = dataset.userStart[u + 1]
            let n = hi - lo
            guard n > 0 else { continue }
            let testCount = max(1, Int((Double(n) * testFraction).rounded()))
            let cut = hi - min(n, testCount)
            for r in lo..<cut { trainRows.append(Int32(r)) }
            var items = Set<Int32>()
            for r in cut..<hi where dataset.ratings[r] >= threshold { items.insert(dataset.items[r]) }
            rel[u] = items.sorted()
        }
        train = TrainingSet(dataset: dataset, rows: trainRows, feedback: .explicit)
        // A relevant item already in training cannot be recommended; keep the protocol's "minus training items".
        relevant = rel
    }

    var evaluatedUsers: [Int] { (0..<relevant.count).filter { !relevant[$0].isEmpty } }

    /// Fits, then ranks every evaluated user at k = 100 in parallel; prints fit s, users/s and ndcg@10.
    func run(_ label: String, type: String, params: [String: ParamValue] = [:], seed: UInt64 = 42) throws {
        let strategy = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        let fitSeconds = try measure { try strategy.fit(train, context: FitContext(seed: seed)) }
        let users = evaluatedUsers
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

/// Loads a MovieLens "latest" folder (movies.csv, ratings.csv, tags.csv) straight into a `Dataset`.
/// Benchmark-only stand-in until the importer lands on main; replace with `MovieLensImporter`.
func loadMovieLensLatestForBench(_ path: String) throws -> Dataset {
    func lines(_ name: String) throws -> [Substring] {
        let text = try String(contentsOfFile: "\(path)/\(name)", encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map { $0 }
    }
    /// Splits one CSV line, honouring double quotes.
    func fields(_ line: Substring) -> [String] {
        var out = [String](), cur = "", quoted = false
        var it = line.makeIterator()
        while let c = it.next() {
            if c == "\"" { quoted.toggle() } else if c == "," && !quoted { out.append(cur); cur = "" } else { cur.append(c) }
        }
        out.append(cur)
        return out
    }
    var movies = [MovieRecord]()
    for l in try lines("movies.csv") {
        let f = fields(l)
        movies.append(MovieRecord(id: Int64(f[0])!, title: f[1], genres: f[2].split(separator: "|").map(String.init)))
    }
    var interactions = [InteractionRecord](), userIds = Set<Int64>()
    for l in try lines("ratings.csv") {
        let f = l.split(separator: ",")
        let u = Int64(f[0])!
        userIds.insert(u)
        interactions.append(InteractionRecord(userId: u, movieId: Int64(f[1])!, timestamp: Int64(f[3])!, rating: Float(f[2])!))
    }
    var tags = [TagRecord]()
    for l in try lines("tags.csv") {
        let f = fields(l)
        tags.append(TagRecord(userId: Int64(f[0])!, movieId: Int64(f[1])!, tag: f[2], timestamp: Int64(f[3])!))
    }
    let users = userIds.sorted().map { UserRecord(id: $0, pseudonym: String(format: "u%08d", $0)) }
    var content = DatasetContent(name: "ml-latest-small", source: path, movies: movies, users: users, interactions: interactions)
    content.tags = tags
    return Dataset(content: content, contentHash: "bench")
}

// MARK: - stratA: baselines, neighbourhood, EASE, content, hybrid

func benchNeighborhoodStrategies() throws {
    guard let path = sharedDataset("ml-latest-small") else {
        print("  (skipped: ../shared/datasets/ml-latest-small not present)")
        return
    }
    let dataset = try loadMovieLensLatestForBench(path)
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
}
