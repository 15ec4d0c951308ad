import Foundation
import RecLabCore
import RecLabStrategies

// Factorisation strategies: fit times on ml-latest-small and ML-100K, the ALS rank-50 10-iteration
// time, and (with `--quality`) 5-fold RMSE and temporal-split ndcg@10 for a quick check.

/// Minimal MovieLens ratings reader for benchmarks only (the real importer is `reclab import`):
/// ML-100K `u.data` (tab separated) or ml-latest-small `ratings.csv`, movies from the ratings' ids
/// plus `movies.csv` ids where present.
func benchLoadRatings(_ folder: String) throws -> Dataset {
    var rows = [InteractionRecord]()
    var movieIds = Set<Int64>()
    var userIds = Set<Int64>()
    let udata = folder + "/u.data", csv = folder + "/ratings.csv"
    let isCSV = FileManager.default.fileExists(atPath: csv)
    let text = try String(contentsOfFile: isCSV ? csv : udata, encoding: .utf8)
    for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
        if isCSV && n == 0 { continue }
        let f = line.split(whereSeparator: { $0 == "," || $0 == "\t" })
        guard f.count >= 4, let u = Int64(f[0]), let m = Int64(f[1]), let r = Float(f[2]), let t = Int64(f[3].trimmingCharacters(in: .whitespaces)) else { continue }
        rows.append(InteractionRecord(userId: u, movieId: m, timestamp: t, rating: r))
        movieIds.insert(m); userIds.insert(u)
    }
    if let movies = try? String(contentsOfFile: folder + "/movies.csv", encoding: .utf8) {
        for line in movies.split(whereSeparator: \.isNewline).dropFirst() {
            if let id = Int64(line.prefix(while: { $0 != "," })) { movieIds.insert(id) }
        }
    }
    let movies = movieIds.sorted().map { MovieRecord(id: $0, title: "m\($0)") }
    let users = userIds.sorted().map { UserRecord(id: $0, pseudonym: String(format: "u%07d", $0)) }
    return Dataset(content: DatasetContent(name: folder, source: folder, movies: movies, users: users, interactions: rows))
}

private func fitTime(_ type: String, _ params: [String: ParamValue] = [:], _ train: TrainingSet) throws -> (Double, any Recommender) {
    var model: (any Recommender)?
    let t = try measure {
        let r = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        try r.fit(train, context: FitContext(seed: 42))
        model = r
    }
    return (t, model!)
}

/// The factorisation strategies with their default parameters, plus ALS at Spark's settings.
private let factorConfigs: [(String, String, [String: ParamValue])] = [
    ("biased-mf", "biased-mf", [:]),
    ("als", "als", [:]),
    ("als-spark", "als", ["biases": .bool(false)]),
    ("implicit-als", "implicit-als", [:]),
    ("bpr", "bpr", [:]),
]

func benchFactorStrategies() throws {
    let quality = CommandLine.arguments.contains("--quality")
    if let i = CommandLine.arguments.firstIndex(of: "--grid"), i + 2 < CommandLine.arguments.count,
       let path = sharedDataset("ml-latest-small") {
        // --grid TYPE key=v1,v2 key2=... : temporal-split ndcg@10 for every combination (tuning aid).
        let type = CommandLine.arguments[i + 1]
        var grid: [[String: ParamValue]] = [[:]]
        for spec in CommandLine.arguments[(i + 2)...] {
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
        let configs = grid.map { g in (Parameters(g).description, type, g) }
        try benchFactorQuality(try benchLoadRatings(path), name: "ml-latest-small", configs: configs, rmse: false)
        return
    }
    for name in ["ml-latest-small", "ml-100k"] {
        guard let path = sharedDataset(name) else { print("  \(name): not present, skipped"); continue }
        let data = try benchLoadRatings(path)
        let train = TrainingSet(dataset: data, feedback: .explicit)
        print("  \(name): \(data.userCount) users, \(data.itemCount) items, \(train.byUser.nonZeroCount) ratings (all as training)")
        for (label, type, params) in factorConfigs {
            let (t, _) = try fitTime(type, params, train)
            print(String(format: "    %-14@ fit %7.3f s", label as NSString, t))
        }
        if name == "ml-latest-small" {
            let t = try measure(repeats: 3) {
                let r = try StrategyRegistry.make(type: "als", parameters: Parameters(["factors": .int(50), "iterations": .int(10), "regularization": .double(0.1), "biases": .bool(false)]))
                try r.fit(train, context: FitContext(seed: 1))
            }
            print(String(format: "    als rank 50, 10 iterations (Spark settings), best of 3: %.3f s (target < 1 s; Spark local[2] 12-16 s)", t))
        }
        if quality { try benchFactorQuality(data, name: name) }
    }
}

/// 5 random folds: mean RMSE of each rating predictor. Temporal split (each user's latest 20%, at
/// least one): ndcg@10 over the full catalogue minus training items, relevant = rating >= 4.
func benchFactorQuality(_ data: Dataset, name: String, configs: [(String, String, [String: ParamValue])]? = nil,
                        rmse: Bool = true) throws {
    let configs = configs ?? factorConfigs
    let n = data.interactionCount
    var perm = (0..<Int32(n)).map { $0 }
    var rng = SeededRandom(seed: 2024)
    rng.shuffle(&perm)
    for (label, type, params) in configs {
        let probe = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        guard rmse, probe.predictsRatings else { continue }
        var sum = 0.0
        for fold in 0..<5 {
            var trainRows = [Int32](), testRows = [Int32]()
            for (k, r) in perm.enumerated() { if k % 5 == fold { testRows.append(r) } else { trainRows.append(r) } }
            let train = TrainingSet(dataset: data, rows: trainRows, feedback: .explicit)
            let model = try StrategyRegistry.make(type: type, parameters: Parameters(params))
            try model.fit(train, context: FitContext(seed: 42))
            var se = 0.0
            for r in testRows {
                let p = model.predict(user: Int(data.users[Int(r)]), item: Int(data.items[Int(r)]))!
                let e = Double(p - data.ratings[Int(r)]); se += e * e
            }
            sum += (se / Double(testRows.count)).squareRoot()
        }
        print(String(format: "    %@ 5-fold RMSE %-14@ %.4f", name, label as NSString, sum / 5))
    }
    // Temporal split.
    var trainRows = [Int32](), test = [[Int32]](repeating: [], count: data.userCount)
    for u in 0..<data.userCount {
        let lo = data.userStart[u], hi = data.userStart[u + 1], c = hi - lo
        let nTest = c == 0 ? 0 : max(1, Int(Double(c) * 0.2))
        for r in lo..<(hi - nTest) { trainRows.append(Int32(r)) }
        for r in (hi - nTest)..<hi where data.ratings[r] >= 4 { test[u].append(data.items[r]) }
    }
    let train = TrainingSet(dataset: data, rows: trainRows, feedback: .explicit)
    let popularity = (0..<data.itemCount).map { Float(train.byItem.count(ofRow: $0)) }
    var rankers: [(String, (Int, UnsafeMutableBufferPointer<Float>) -> Void)] = [
        ("most-popular", { _, s in for i in 0..<s.count { s[i] = popularity[i] } }),
    ]
    for (label, type, params) in configs {
        let model = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        let t = try measure { try model.fit(train, context: FitContext(seed: 42)) }
        print(String(format: "    %@ temporal fit %-14@ %.2f s", name, label as NSString, t))
        rankers.append((label, { u, s in model.score(user: u, into: s) }))
    }
    for (label, scorer) in rankers {
        var total = 0.0, users = 0
        var buf = [Float](repeating: 0, count: data.itemCount)
        for u in 0..<data.userCount where !test[u].isEmpty {
            let relevant = Set(test[u])
            let top = buf.withUnsafeMutableBufferPointer { b -> [ScoredItem] in
                scorer(u, b)
                let r = train.byUser.range(ofRow: u)
                return TopK.select(scores: UnsafeBufferPointer(b), k: 10, excluded: train.byUser.columns[r])
            }
            var dcg = 0.0, idcg = 0.0
            for (rank, s) in top.enumerated() where relevant.contains(s.item) { dcg += 1 / log2(Double(rank) + 2) }
            for rank in 0..<min(10, relevant.count) { idcg += 1 / log2(Double(rank) + 2) }
            total += dcg / idcg; users += 1
        }
        print(String(format: "    %@ temporal ndcg@10 %-14@ %.4f (%d users)", name, label as NSString, total / Double(users), users))
    }
}
