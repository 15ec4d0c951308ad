import Foundation
import RecLabCore
import RecLabResults
import RecLabStrategies

/// What one experiment run produces: the `metrics.json` document plus the rows the results store keeps.
public struct ExperimentOutput {
    public var document: OfflineResults
    public var metricRows: [RunMetricRow]
    public var userValues: [UserMetricValues]
}

/// The offline runner: for each fold (and repeat) and strategy, fit on the training rows, rank the full
/// catalogue minus the user's training items for every evaluated test user, and compute every metric per
/// user; rating metrics from `predict` on the test ratings. Deterministic given the config's seed: folds,
/// fitting seeds and aggregation order depend on the seed only, never on the thread count.
public enum ExperimentRunner {
    /// Runs `config` on `dataset` with the context's threads; progress lines go to `context.log`, provenance
    /// (version, commit, created-at) comes from the context. `makeStrategy` builds an unfitted strategy from
    /// its spec (the registry by default; tests pass their own).
    public static func run(_ config: ExperimentConfig, dataset: Dataset, context: RunContext = RunContext(),
                           makeStrategy: (StrategySpec) throws -> any Recommender = { try StrategyRegistry.make(type: $0.type, parameters: $0.parameters) })
        throws -> ExperimentOutput {
        try context.bound { try runBound(config, dataset: dataset, context: context, makeStrategy: makeStrategy) }
    }

    static func runBound(_ config: ExperimentConfig, dataset: Dataset, context: RunContext,
                         makeStrategy: (StrategySpec) throws -> any Recommender) throws -> ExperimentOutput {
        let layout = try OfflineLayout(config: config, dataset: dataset)
        try checkMemory(config, dataset: dataset, budget: context.memoryBudget, makeStrategy: makeStrategy)
        var merger = OfflineMerger(config: config, dataset: dataset, layout: layout)
        let seeds = context.seedTree(planSeed: config.seed)
        for r in 0..<config.repeats {
            let folds = try foldsOfRepeat(r, config: config, dataset: dataset, context: context)
            for (f, fold) in folds.enumerated() {
                // The same per-(fold, strategy) computation a sharded run does unit by unit (`runUnit`).
                let g = merger.foldCount
                let label = foldLabel(fold: f, folds: folds.count, repeat: r, repeats: config.repeats)
                let ctx = FoldContext(dataset: dataset, fold: fold, relevance: layout.relevance, sampledNegatives: layout.sampledNegatives,
                                      negativeSeed: seeds.child("negatives-\(g)").seed)
                let summary = FoldSummary(ctx, index: g, fold: fold, layout: layout)
                logFold(summary, label: label, layout: layout, context: context)
                merger.beginFold(summary)
                guard summary.evaluable else { continue }
                let fitSeed = Self.fitSeed(fold: g, config: config, context: context)
                // With fold-in (strong generalisation) the exclusion set also holds the held-out users' fold-in rows,
                // which are never fitted on: training sets are then built from the training rows alone.
                var trainSets: [FeedbackKind: TrainingSet] = fold.foldIn.isEmpty ? [.implicit: ctx.exclusion] : [:]
                for s in config.strategies.indices where !merger.hasFailed(s) {
                    let outcome = evaluateStrategy(s, config: config, layout: layout, ctx: ctx, fitSeed: fitSeed, label: label,
                                                   trainSets: &trainSets, context: context, makeStrategy: makeStrategy)
                    merger.add(outcome, strategy: s)
                }
            }
        }
        return try merger.finish(context: context)
    }

    /// The folds of repeat `r`: the first repeat splits with the config's seed, later ones with a seed derived
    /// from it and the repeat number.
    static func foldsOfRepeat(_ r: Int, config: ExperimentConfig, dataset: Dataset, context: RunContext) throws -> [Fold] {
        let seeds = context.seedTree(planSeed: config.seed)
        let splitSeed = r == 0 ? seeds.seed : seeds.child("repeat-\(r)").seed
        return try config.split.folds(of: dataset, seed: splitSeed, pseudonymizer: context.pseudonymizer, readFile: context.readFile)
    }

    /// The fitting seed of global fold `g` (shared by the strategies of the fold), from the run's seed tree.
    static func fitSeed(fold g: Int, config: ExperimentConfig, context: RunContext) -> UInt64 {
        context.seedTree(planSeed: config.seed).child("fit-\(g)").seed
    }

    static func foldLabel(fold f: Int, folds: Int, repeat r: Int, repeats: Int) -> String {
        folds > 1 || repeats > 1 ? "fold \(f + 1)/\(folds)" + (repeats > 1 ? ", repeat \(r + 1)/\(repeats)" : "") : "split"
    }

    static func logFold(_ summary: FoldSummary, label: String, layout: OfflineLayout, context: RunContext) {
        let log = context.log
        var note = "\(label): \(summary.trainCount) train / \(summary.testCount) test interactions"
        if layout.listK > 0 {
            note += ", \(summary.evalUsers.count) users ranked, \(summary.excludedUsers) without a relevant test item excluded"
        }
        log.info("[run] \(note)")
        if !summary.evaluable { log.info("[run] \(label): nothing to evaluate, strategies not fitted") }
    }

    /// One strategy fitted on one fold's training rows and evaluated on its test rows. `trainSets` caches the
    /// training views of the fold by feedback kind (shared by the strategies of a fold; rebuilt identically by
    /// a unit that runs alone).
    static func evaluateStrategy(_ s: Int, config: ExperimentConfig, layout: OfflineLayout, ctx: FoldContext, fitSeed: UInt64,
                                 label: String, trainSets: inout [FeedbackKind: TrainingSet], context: RunContext,
                                 makeStrategy: (StrategySpec) throws -> any Recommender) -> StrategyFoldOutcome {
        let log = context.log
        let spec = config.strategies[s]
        let kind = spec.feedback ?? layout.defaultFeedback
        if trainSets[kind] == nil { trainSets[kind] = TrainingSet(dataset: ctx.dataset, rows: ctx.trainRows, feedback: kind) }
        let train = trainSets[kind]!
        let model: any Recommender
        let fitSeconds: Double
        do {
            model = try makeStrategy(spec)
            log.info("[run] \(spec.name) \(label): fitting (\(train.byUser.nonZeroCount) \(kind.rawValue) training entries)")
            fitSeconds = try context.clock.seconds {
                try model.fit(train, context: FitContext(seed: fitSeed, showProgress: false))
                if !ctx.foldInRows.isEmpty {
                    guard let foldIn = model as? any FoldInRecommender else {
                        throw RecLabError.config("\(spec.type) cannot fold in held-out users, which the \(config.split.methodName) split needs; use a strategy that folds in (ease, item-knn, implicit-als, most-popular, ...)")
                    }
                    try foldIn.foldIn(TrainingSet(dataset: ctx.dataset, rows: (ctx.trainRows + ctx.foldInRows).sorted(), feedback: kind))
                }
            }
        } catch {
            var e = error as? RecLabError ?? RecLabError.data("\(error)")
            // Point at the strategy's entry in the config: the data, not the YAML, made it fail.
            e.message = "strategy '\(spec.name)' (\(spec.type)) cannot be fitted \(label): \(e.message)"
            e = e.located(file: config.configPath, line: spec.line)
            log.info("[run] \(spec.name) \(label): FAILED: \(e)")
            return .failed(e)
        }
        var result = FoldStrategyResult()
        var predictsRatings = true
        let evalSeconds = context.clock.seconds {
            if layout.listK > 0 {
                result.ranking = evaluateRanking(model: model, ctx: ctx, listK: layout.listK, userSpecs: layout.userSpecs,
                                                 catalogueKs: layout.catalogueSpecs.map(\.k), label: "\(spec.name) \(label)")
            }
            if !layout.ratingSpecs.isEmpty {
                if model.predictsRatings {
                    result.rating = evaluateRatings(model: model, ctx: ctx, fallback: train.globalMean, metrics: layout.ratingSpecs)
                } else {
                    predictsRatings = false
                }
            }
        }
        log.info("\(String(format: "[run] %@ %@: fit %.2fs, evaluate %.2fs", spec.name, label, fitSeconds, evalSeconds))")
        return .finished(result, predictsRatings: predictsRatings, fitSeconds: fitSeconds, evalSeconds: evalSeconds)
    }

    /// The config's relevance rule, else a threshold of 4.0 for fully rated data and implicit otherwise.
    static func relevanceRule(_ config: ExperimentConfig, dataset: Dataset) -> RelevanceRule {
        config.relevance ?? (dataset.isFullyRated ? .threshold(ExperimentConfig.defaultThreshold) : .implicit)
    }

    /// The dataset card of a result document.
    public static func datasetCard(_ d: Dataset, synthetic: Bool) -> DatasetCard {
        let lower = d.source.lowercased()
        return DatasetCard(summarizing: d, synthetic: synthetic || lower.contains("synthetic") || lower.contains("generate"))
    }

    /// Full-ranking evaluation of one fitted model on one fold, as `run` does it (all users with a relevant
    /// test item, top-`k` lists, every metric in `metrics`): returns the users evaluated and the wall-clock
    /// seconds of ranking plus metrics (fold preparation excluded). For `reclab-bench`.
    public static func timeRankingEvaluation(model: any Recommender, dataset: Dataset, fold: Fold, relevance: RelevanceRule,
                                             k: Int, metrics: [any Metric], clock: RunClock = .system) -> (users: Int, seconds: Double) {
        let ctx = FoldContext(dataset: dataset, fold: fold, relevance: relevance)
        let userSpecs = metrics.compactMap { $0 as? any ListMetric }
        let catalogueKs = metrics.compactMap { $0 as? any GlobalMetric }.map(\.k)
        let seconds = clock.seconds {
            _ = evaluateRanking(model: model, ctx: ctx, listK: k, userSpecs: userSpecs, catalogueKs: catalogueKs, label: "bench")
        }
        return (ctx.evalUsers.count, seconds)
    }

    // MARK: Per-fold evaluation

    struct RankingResult {
        /// userSpecs.count x evalUsers.count, metric-major; NaN where undefined (diversity of a 1-item list).
        var values: [Double]
        /// Exposure counts per catalogue cutoff, and at the list cutoff.
        var catalogueExposure: [[Int]]
        var exposure: [Int]
    }

    struct RatingResult {
        /// Per rating metric, the loss of each test rating, aligned with `FoldContext.ratingRows`.
        var losses: [[Double]]
    }

    struct FoldStrategyResult {
        var ranking: RankingResult?
        var rating: RatingResult?
    }

    /// Ranks for all evaluated users in parallel (one score buffer per chunk). Results are written by
    /// user position and exposure counts are summed, so they do not depend on the chunking.
    /// Before any split or fit: every strategy whose memory is known up front must fit in `budget`, estimated on
    /// the whole dataset (a training fold is never larger). The error names the strategy's config line, the
    /// bytes needed and the strategy's alternatives.
    static func checkMemory(_ config: ExperimentConfig, dataset: Dataset, budget: Int?,
                            makeStrategy: (StrategySpec) throws -> any Recommender) throws {
        guard let budget else { return }
        var seen = [Bool](repeating: false, count: dataset.itemCount)
        for i in dataset.items { seen[Int(i)] = true }
        let titles = seen.reduce(0) { $0 + ($1 ? 1 : 0) }
        for spec in config.strategies {
            guard let model = try? makeStrategy(spec),
                  let need = model.estimatedFitBytes(users: dataset.userCount, items: titles,
                                                     interactions: dataset.interactionCount), need > budget else { continue }
            func gb(_ b: Int) -> String { String(format: "%.1f GB", Double(b) / 1e9) }
            var message = "strategy '\(spec.name)' (\(spec.type)) needs about \(gb(need)) for \(titles) titles with data, above this run's memory budget of \(gb(budget)) (RECLAB_MEMORY_LIMIT, else 80% of the machine's memory)"
            if let advice = model.memoryAlternatives(budget: budget, items: titles) { message += "; \(advice)" }
            throw RecLabError.config(message).located(file: config.configPath, line: spec.line)
        }
    }

    /// Users scored together (`Recommender.scoreBlock`): large enough that a factor model's GEMM and EASE's
    /// item-major product reuse what they read, small enough that the buffer (block × items floats per worker,
    /// 22 MB for 87k titles) stays modest.
    static let scoringBlock = 64

    static func evaluateRanking(model: any Recommender, ctx: FoldContext, listK: Int, userSpecs: [any ListMetric],
                                catalogueKs: [Int], label: String, showProgress: Bool = true) -> RankingResult {
        let n = ctx.evalUsers.count
        let items = ctx.dataset.itemCount
        let M = userSpecs.count
        var values = [Double](repeating: .nan, count: M * n)
        var catalogueExposure = [[Int]](repeating: [Int](repeating: 0, count: items), count: catalogueKs.count)
        var exposure = [Int](repeating: 0, count: items)
        let lock = NSLock()
        let progress: ProgressReporter? = showProgress ? ProgressReporter("eval \(label)", total: n) : nil
        let genres = ctx.dataset.itemGenres
        let masks = ListMetrics.genreMasks(genres, genreCount: ctx.dataset.genreNames.count)
        // Users are scored in fixed blocks of `scoringBlock` (by position, so a block's users do not depend on the
        // thread count): strategies with a matrix form share work across a block (`Recommender.scoreBlock`).
        // BLAS runs single-threaded inside: the blocks already keep every core busy.
        let block = Self.scoringBlock
        let blockCount = (n + block - 1) / block
        let exclusion = ctx.exclusion.byUser
        BLASThreads.singleThreaded {
        values.withUnsafeMutableBufferPointer { outBuf in
            let out = outBuf
            Parallel.forEachChunk(blockCount, minChunk: 1) { blocks in
                var buffer = [Float](repeating: 0, count: min(block, n) * items)
                var blockUsers = [Int32](repeating: 0, count: block)
                var localCat = [[Int]](repeating: [Int](repeating: 0, count: items), count: catalogueKs.count)
                var localExp = [Int](repeating: 0, count: items)
                var done = 0
                buffer.withUnsafeMutableBufferPointer { buf in
                    for blockIndex in blocks {
                        let lo = blockIndex * block, hi = min(n, lo + block), size = hi - lo
                        for p in lo..<hi { blockUsers[p - lo] = ctx.evalUsers[p] }
                        blockUsers.withUnsafeBufferPointer { users in
                            model.scoreBlock(users: UnsafeBufferPointer(rebasing: users[0..<size]),
                                             into: UnsafeMutableBufferPointer(rebasing: buf[0..<(size * items)]))
                        }
                        for p in lo..<hi {
                            let user = Int(ctx.evalUsers[p])
                            let row = UnsafeBufferPointer(rebasing: buf[((p - lo) * items)..<((p - lo + 1) * items)])
                            let list = TopK.select(scores: row, k: listK, excluded: exclusion.columns[exclusion.range(ofRow: user)]).map(\.item)
                            var userList = UserList(items: list, hits: RankedHits(recommended: list, relevant: ctx.relevant(p)),
                                                    popularity: ctx.popularity, genres: genres, genreMasks: masks)
                            if ctx.sampledNegatives > 0 {
                                let top = ctx.sampledRanking(p, scores: row, k: listK, testItems: ctx.testItems(ofUser: ctx.evalUsers[p]))
                                userList.sampled = (top, RankedHits(recommended: top, relevant: ctx.relevant(p)))
                            }
                            for (m, metric) in userSpecs.enumerated() {
                                out[m * n + p] = metric.value(userList) ?? .nan
                            }
                            for (c, k) in catalogueKs.enumerated() { for i in list.prefix(k) { localCat[c][Int(i)] += 1 } }
                            for i in list { localExp[Int(i)] += 1 }
                        }
                        done += size
                    }
                }
                lock.lock()
                for c in 0..<catalogueKs.count { for i in 0..<items where localCat[c][i] != 0 { catalogueExposure[c][i] += localCat[c][i] } }
                for i in 0..<items where localExp[i] != 0 { exposure[i] += localExp[i] }
                lock.unlock()
                progress?.advance(by: done)
            }
        }
        }
        progress?.finish()
        return RankingResult(values: values, catalogueExposure: catalogueExposure, exposure: exposure)
    }

    /// The loss of every test rating for every rating metric, in parallel over ratings (each written to its
    /// own slot, so the result does not depend on the chunking).
    static func evaluateRatings(model: any Recommender, ctx: FoldContext, fallback: Float, metrics: [any RatingMetric]) -> RatingResult {
        let rows = ctx.ratingRows
        let M = metrics.count
        var losses = [Double](repeating: 0, count: M * rows.count)
        let d = ctx.dataset
        losses.withUnsafeMutableBufferPointer { buf in
            let out = buf
            Parallel.forEachChunk(rows.count, minChunk: 1024) { range in
                for p in range {
                    let r = Int(rows[p])
                    let prediction = model.predict(user: Int(d.users[r]), item: Int(d.items[r])) ?? fallback
                    let e = Double(prediction) - Double(d.ratings[r])
                    for (m, metric) in metrics.enumerated() { out[m * rows.count + p] = metric.loss(e) }
                }
            }
        }
        return RatingResult(losses: (0..<M).map { m in Array(losses[(m * rows.count)..<((m + 1) * rows.count)]) })
    }

    /// The values of two per-user series on the users they share (both sorted by user).
    static func matched(_ a: (users: [Int32], values: [Double]), _ b: (users: [Int32], values: [Double])) -> ([Double], [Double]) {
        var i = 0, j = 0
        var va: [Double] = [], vb: [Double] = []
        while i < a.users.count && j < b.users.count {
            if a.users[i] == b.users[j] { va.append(a.values[i]); vb.append(b.values[j]); i += 1; j += 1 }
            else if a.users[i] < b.users[j] { i += 1 } else { j += 1 }
        }
        return (va, vb)
    }

}

/// What every strategy of a fold shares: training exclusions, item popularity, relevant test items.
struct FoldContext {
    let dataset: Dataset
    /// All training rows as an implicit view: its rows are the items each user is never recommended.
    let exclusion: TrainingSet
    /// The fold's training rows (strategies with explicit feedback build their own view from them).
    let trainRows: [Int32]
    /// Strong generalisation: the held-out users' fold-in rows (their history for scoring, never fitted on).
    let foldInRows: [Int32]
    let popularity: ItemPopularity
    /// Users with at least one relevant test item, ascending.
    let evalUsers: [Int32]
    /// `relevantItems[relevantStart[p] ..< relevantStart[p + 1]]`: user p's relevant items, sorted.
    let relevantStart: [Int]
    let relevantItems: [Int32]
    /// Users with test interactions but no relevant one (not counted in ranking metrics).
    let excludedUsers: Int
    /// Test rows carrying a rating, ascending (hence grouped by user).
    let ratingRows: [Int32]
    /// Each user's test items, kept only for sampled negatives.
    let testItemsByUser: [Int32: [Int32]]

    /// Leave-one-out with sampled negatives: how many, and the seed each user's sample derives from.
    let sampledNegatives: Int
    let negativeSeed: UInt64

    init(dataset: Dataset, fold: Fold, relevance: RelevanceRule, sampledNegatives: Int = 0, negativeSeed: UInt64 = 0) {
        self.dataset = dataset
        self.sampledNegatives = sampledNegatives; self.negativeSeed = negativeSeed
        exclusion = TrainingSet(dataset: dataset, rows: fold.foldIn.isEmpty ? fold.train : (fold.train + fold.foldIn).sorted(),
                                feedback: .implicit)
        trainRows = fold.train
        foldInRows = fold.foldIn
        popularity = ItemPopularity(train: exclusion)
        let test = fold.test.sorted()
        var users: [Int32] = [], start: [Int] = [0], items: [Int32] = []
        var excluded = 0
        var ratingRows: [Int32] = []
        var testItemsByUser: [Int32: [Int32]] = [:]
        var k = 0
        while k < test.count {
            let user = dataset.users[Int(test[k])]
            var rel: [Int32] = []
            let trainRange = exclusion.byUser.range(ofRow: Int(user))
            let trainItems = exclusion.byUser.columns[trainRange]
            while k < test.count && dataset.users[Int(test[k])] == user {
                let r = Int(test[k])
                let rating = dataset.ratings[r]
                if !rating.isNaN { ratingRows.append(test[k]) }
                if sampledNegatives > 0 { testItemsByUser[user, default: []].append(dataset.items[r]) }
                let isRelevant: Bool
                switch relevance {
                case .implicit: isRelevant = true
                case .threshold(let t): isRelevant = !rating.isNaN && Double(rating) >= t
                }
                // Items already in training are never recommended, so they cannot count as relevant.
                if isRelevant && !RankedHits.contains(trainItems, dataset.items[r]) { rel.append(dataset.items[r]) }
                k += 1
            }
            rel.sort()
            var unique: [Int32] = []
            for x in rel where unique.last != x { unique.append(x) }
            if unique.isEmpty { excluded += 1; continue }
            users.append(user)
            items += unique
            start.append(items.count)
        }
        evalUsers = users; relevantStart = start; relevantItems = items
        excludedUsers = excluded
        self.ratingRows = ratingRows
        self.testItemsByUser = testItemsByUser
    }

    func relevant(_ p: Int) -> ArraySlice<Int32> { relevantItems[relevantStart[p]..<relevantStart[p + 1]] }

    /// Leave-one-out's sampled ranking of evaluated user `p` (Krichene and Rendle 2020): the relevant test items
    /// and `sampledNegatives` items drawn uniformly without replacement among those the user has no
    /// interaction with (training or test), ranked by `scores` (higher first, ties to the lower index,
    /// non-finite last); the first `k`. The sample depends only on (seed, user), so every strategy sees the same.
    func sampledRanking(_ p: Int, scores: UnsafeBufferPointer<Float>, k: Int, testItems: Set<Int32>) -> [Int32] {
        let user = Int(evalUsers[p])
        let trainRange = exclusion.byUser.range(ofRow: user)
        let trainItems = exclusion.byUser.columns[trainRange]
        let items = dataset.itemCount
        let available = items - trainItems.count - testItems.count
        var rng = SeededRandom(seed: negativeSeed, stream: "negatives-\(user)")
        var chosen = Set<Int32>()
        var candidates = Array(relevant(p))
        let wanted = min(sampledNegatives, max(0, available))
        while chosen.count < wanted {
            let item = Int32(rng.nextInt(items))
            if RankedHits.contains(trainItems, item) || testItems.contains(item) || chosen.contains(item) { continue }
            chosen.insert(item)
            candidates.append(item)
        }
        func key(_ i: Int32) -> Float { let s = scores[Int(i)]; return s.isFinite ? s : -.infinity }
        candidates.sort { key($0) > key($1) || (key($0) == key($1) && $0 < $1) }
        return Array(candidates.prefix(k))
    }

    /// Every test item of evaluated user `p` (relevant or not): never drawn as a sampled negative.
    func testItems(ofUser user: Int32) -> Set<Int32> { Set(testItemsByUser[user] ?? []) }
}

/// Everything collected for one strategy across folds.
struct StrategyAccumulator {
    var fitSeconds = 0.0
    var evalSeconds = 0.0
    /// Per user-metric: sum and count of per-user values across folds, by dataset user index.
    var userSum: [[Double]]
    var userCount: [[Int]]
    /// Per catalogue metric: the value of each fold.
    var catalogueFolds: [[Double]]
    var evaluatedUser: [Bool]
    /// Rating metrics: per metric, each user's summed loss across folds; test ratings per user; and per
    /// metric the value and interval of each fold, with the fold's rating count.
    var userLoss: [[Double]], userRatings: [Int]
    var ratingFolds: [[(value: Double, ci: (Double, Double))]]
    var ratingFoldCounts: [Int] = []
    var exposure: [Int]

    init(userCount: Int, itemCount: Int, userMetrics: Int, catalogueMetrics: Int, ratingMetrics: Int) {
        userSum = [[Double]](repeating: [Double](repeating: 0, count: userCount), count: userMetrics)
        self.userCount = [[Int]](repeating: [Int](repeating: 0, count: userCount), count: userMetrics)
        catalogueFolds = [[Double]](repeating: [], count: catalogueMetrics)
        evaluatedUser = [Bool](repeating: false, count: userCount)
        userLoss = [[Double]](repeating: [Double](repeating: 0, count: userCount), count: ratingMetrics)
        userRatings = [Int](repeating: 0, count: userCount)
        ratingFolds = [[(value: Double, ci: (Double, Double))]](repeating: [], count: ratingMetrics)
        exposure = [Int](repeating: 0, count: itemCount)
    }

    /// Adds one fold's results and returns that fold's metric rows.
    mutating func add(_ r: ExperimentRunner.FoldStrategyResult, fold: Int, strategy: String, userSpecs: [any ListMetric],
                      catalogueSpecs: [any GlobalMetric], ratingSpecs: [any RatingMetric], ctx: FoldSummary) -> [MetricResult] {
        var rows: [MetricResult] = []
        func row(_ spec: any Metric, _ s: MetricSummary) {
            rows.append(MetricResult(strategy: strategy, metric: spec.name, base: spec.baseName, k: spec.cutoff, fold: fold,
                                     mean: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh, nUsers: s.n, lowerIsBetter: spec.direction.lowerIsBetter))
        }
        if let ranking = r.ranking {
            let n = ctx.evalUsers.count
            for u in ctx.evalUsers { evaluatedUser[Int(u)] = true }
            for (m, spec) in userSpecs.enumerated() {
                var vals: [Double] = []
                vals.reserveCapacity(n)
                for p in 0..<n {
                    let v = ranking.values[m * n + p]
                    guard !v.isNaN else { continue }
                    vals.append(v)
                    userSum[m][Int(ctx.evalUsers[p])] += v
                    userCount[m][Int(ctx.evalUsers[p])] += 1
                }
                row(spec, EvalStats.summary(vals))
            }
            // No user ranked in this fold: coverage and Gini of no lists are undefined, not 0.
            for (c, spec) in catalogueSpecs.enumerated() where n > 0 {
                let counts = ranking.catalogueExposure[c]
                let v = spec.value(exposure: counts)
                catalogueFolds[c].append(v)
                row(spec, MetricSummary(mean: v, ciLow: v, ciHigh: v, n: n))
            }
            for i in exposure.indices { exposure[i] += ranking.exposure[i] }
        }
        if let rating = r.rating, !ratingSpecs.isEmpty {
            for (p, user) in ctx.ratingUsers.enumerated() {
                let u = Int(user)
                for m in ratingSpecs.indices { userLoss[m][u] += rating.losses[m][p] }
                userRatings[u] += 1
            }
            ratingFoldCounts.append(ctx.ratingUsers.count)
            for (m, spec) in ratingSpecs.enumerated() {
                let loss = EvalStats.summary(rating.losses[m])
                let value = spec.value(meanLoss: loss.mean)
                let ci = (spec.bound(meanLoss: loss.ciLow), spec.bound(meanLoss: loss.ciHigh))
                ratingFolds[m].append((value, ci))
                row(spec, MetricSummary(mean: value, ciLow: ci.0, ciHigh: ci.1, n: loss.n))
            }
        }
        return rows
    }

    /// The overall summary of a metric over all folds, with per-user values where the metric has them.
    /// Per-user metrics: each user's mean over the folds that evaluated them, then mean and CI over users.
    /// Catalogue metrics: mean of the fold values (t interval over folds when there are several).
    /// Rating metrics: mean of the fold RMSE/MAE (as Surprise and MLlib report k-fold results), with a t
    /// interval over folds, or for one fold the interval of the mean squared (absolute) error over ratings.
    func overall(_ spec: any Metric, userSpecs: [any ListMetric], catalogueSpecs: [any GlobalMetric], ratingSpecs: [any RatingMetric])
        -> (MetricSummary, [Int32]?, [Double]?)? {
        // Config metrics are unique by name, so the name finds the metric's slot in its kind's list.
        if let m = userSpecs.firstIndex(where: { $0.name == spec.name }) {
            var users: [Int32] = [], values: [Double] = []
            for u in 0..<userSum[m].count where userCount[m][u] > 0 {
                users.append(Int32(u)); values.append(userSum[m][u] / Double(userCount[m][u]))
            }
            guard !users.isEmpty || evaluatedUser.contains(true) else { return nil }
            return (EvalStats.summary(values), users, values)
        }
        if let c = catalogueSpecs.firstIndex(where: { $0.name == spec.name }) {
            let folds = catalogueFolds[c]
            guard !folds.isEmpty else { return nil }
            let n = evaluatedUser.reduce(0) { $0 + ($1 ? 1 : 0) }
            var s = folds.count > 1 ? EvalStats.summary(folds) : MetricSummary(mean: folds[0], ciLow: folds[0], ciHigh: folds[0], n: n)
            s.n = n
            return (s, nil, nil)
        }
        guard let m = ratingSpecs.firstIndex(where: { $0.name == spec.name }) else { return nil }
        let metric = ratingSpecs[m], folds = ratingFolds[m]
        guard !folds.isEmpty else { return nil }
        let total = ratingFoldCounts.reduce(0, +)
        var s: MetricSummary
        if folds.count > 1 {
            s = EvalStats.summary(folds.map(\.value))
        } else {
            s = MetricSummary(mean: folds[0].value, ciLow: folds[0].ci.0, ciHigh: folds[0].ci.1, n: total)
        }
        s.n = total
        var users: [Int32] = [], values: [Double] = []
        for u in 0..<userRatings.count where userRatings[u] > 0 {
            users.append(Int32(u))
            values.append(metric.value(meanLoss: userLoss[m][u] / Double(userRatings[u])))
        }
        return (s, users, values)
    }
}
