import Foundation
import RecLabCore
import RecLabResults
import RecLabStrategies

/// What every fold of an offline run shares, decided once from the config and the data: relevance, default
/// feedback, the metrics by kind and the list length.
struct OfflineLayout {
    let relevance: RelevanceRule
    let defaultFeedback: FeedbackKind
    /// Config order: the table and documents follow it.
    let metrics: [any Metric]
    let userSpecs: [any ListMetric]
    let catalogueSpecs: [any GlobalMetric]
    let ratingSpecs: [any RatingMetric]
    let listK: Int
    /// Leave-one-out's sampled negatives per user (0: full ranking only).
    let sampledNegatives: Int

    init(config: ExperimentConfig, dataset: Dataset) throws {
        guard dataset.interactionCount > 0 else { throw RecLabError.data("the dataset '\(dataset.name)' has no interactions") }
        relevance = config.relevance ?? (dataset.isFullyRated ? .threshold(ExperimentConfig.defaultThreshold) : .implicit)
        if case .threshold = relevance, dataset.ratingCount == 0 {
            throw RecLabError.config("relevance is a rating threshold but the dataset has no ratings; use 'relevance: implicit'",
                                     file: config.configPath, key: "relevance")
        }
        defaultFeedback = config.feedback ?? (dataset.isFullyRated ? .explicit : .implicit)
        var metrics = config.metrics
        if case .leaveOneOut(let n) = config.split.method, n > 0 {
            // Leave-one-out also reports the sampled (biased) variant of each hit metric, beside the full ranking.
            sampledNegatives = n
            metrics += config.metrics.compactMap { ($0 as? any ListMetric).flatMap(SampledMetric<NDCGMetric>.variant(of:)) }
        } else {
            sampledNegatives = 0
        }
        self.metrics = metrics
        userSpecs = metrics.compactMap { $0 as? any ListMetric }
        catalogueSpecs = metrics.compactMap { $0 as? any GlobalMetric }
        ratingSpecs = metrics.compactMap { $0 as? any RatingMetric }
        listK = (userSpecs.map(\.k) + catalogueSpecs.map(\.k)).max() ?? 0
    }
}

/// What one fold contributes to the run regardless of strategy: its size, the users ranked and excluded, and
/// the user of each test rating. Built from a `FoldContext`, or read back from a unit's partial result.
struct FoldSummary: Equatable {
    var index: Int
    var trainCount: Int
    var testCount: Int
    var evalUsers: [Int32]
    var excludedUsers: Int
    var ratingUsers: [Int32]
    /// False when nothing in the fold can be measured (no user with a relevant test item, no test rating for
    /// rating metrics): no strategy is fitted on it.
    var evaluable: Bool

    init(index: Int, trainCount: Int, testCount: Int, evalUsers: [Int32], excludedUsers: Int, ratingUsers: [Int32], evaluable: Bool) {
        self.index = index; self.trainCount = trainCount; self.testCount = testCount; self.evalUsers = evalUsers
        self.excludedUsers = excludedUsers; self.ratingUsers = ratingUsers; self.evaluable = evaluable
    }

    init(_ ctx: FoldContext, index: Int, fold: Fold, layout: OfflineLayout) {
        let ratingUsers = ctx.ratingRows.map { ctx.dataset.users[Int($0)] }
        self.init(index: index, trainCount: fold.train.count, testCount: fold.test.count, evalUsers: ctx.evalUsers,
                  excludedUsers: ctx.excludedUsers, ratingUsers: ratingUsers,
                  evaluable: !((layout.listK == 0 || ctx.evalUsers.isEmpty) && (layout.ratingSpecs.isEmpty || ctx.ratingRows.isEmpty)))
    }
}

/// The outcome of one strategy on one fold.
enum StrategyFoldOutcome {
    case finished(ExperimentRunner.FoldStrategyResult, predictsRatings: Bool, fitSeconds: Double, evalSeconds: Double)
    case failed(RecLabError)
}

/// Accumulates the outcomes of an offline run fold by fold, strategy by strategy, in that order, and builds the
/// result document. `reclab run` feeds it as it computes; `reclab gather` feeds it the partial results of a
/// plan's units in the same order, so both give the same document.
struct OfflineMerger {
    let config: ExperimentConfig
    let dataset: Dataset
    let layout: OfflineLayout
    private(set) var foldCount = 0
    private var accumulators: [StrategyAccumulator]
    private var foldRows: [MetricResult] = []
    private var excludedTotal = 0
    private var evaluatedTotal = 0
    private var notPredicting = Set<String>()
    // A strategy that cannot be fitted in some fold is dropped from the results (its means would cover only
    // some folds) and listed with its error; the other strategies still finish.
    private var failures: [StrategyFailure] = []
    private var failed: [Bool]
    private var firstFailure: RecLabError?
    private var current: FoldSummary?

    init(config: ExperimentConfig, dataset: Dataset, layout: OfflineLayout) {
        self.config = config; self.dataset = dataset; self.layout = layout
        accumulators = config.strategies.map { _ in
            StrategyAccumulator(userCount: dataset.userCount, itemCount: dataset.itemCount, userMetrics: layout.userSpecs.count,
                                catalogueMetrics: layout.catalogueSpecs.count, ratingMetrics: layout.ratingSpecs.count)
        }
        failed = [Bool](repeating: false, count: config.strategies.count)
    }

    func hasFailed(_ s: Int) -> Bool { failed[s] }

    /// Starts the next fold (its index must be `foldCount`).
    mutating func beginFold(_ summary: FoldSummary) {
        precondition(summary.index == foldCount, "folds are merged in order")
        foldCount += 1
        if layout.listK > 0 { excludedTotal += summary.excludedUsers }
        evaluatedTotal += summary.evalUsers.count
        current = summary
    }

    /// Adds strategy `s`'s outcome on the current fold. Ignored once the strategy has failed (a single-machine
    /// run does not fit it again; a unit of a plan may have).
    mutating func add(_ outcome: StrategyFoldOutcome, strategy s: Int) {
        guard let fold = current, !failed[s] else { return }
        let spec = config.strategies[s]
        switch outcome {
        case .failed(let e):
            failed[s] = true
            firstFailure = firstFailure ?? e
            failures.append(StrategyFailure(strategy: spec.name, type: spec.type, fold: fold.index, error: e.description))
        case .finished(let result, let predictsRatings, let fitSeconds, let evalSeconds):
            if !predictsRatings { notPredicting.insert(spec.name) }
            accumulators[s].fitSeconds += fitSeconds
            accumulators[s].evalSeconds += evalSeconds
            foldRows += accumulators[s].add(result, fold: fold.index, strategy: spec.name, userSpecs: layout.userSpecs,
                                            catalogueSpecs: layout.catalogueSpecs, ratingSpecs: layout.ratingSpecs, ctx: fold)
        }
    }

    /// The run's document and rows: overall and fold rows, paired comparisons, exposure, provenance.
    func finish(context: RunContext) throws -> ExperimentOutput {
        let started = context.clock.monotonicNanoseconds()
        let strategies = config.strategies
        for name in notPredicting.sorted() { context.log.info("[run] note: \(name) does not predict ratings; rmse/mae are not reported for it") }
        // Every strategy failed: there is nothing to record, so the run fails as a whole.
        if let firstFailure, failed.allSatisfy({ $0 }) { throw firstFailure }
        let finished = strategies.indices.filter { !failed[$0] }

        // Overall rows (fold nil), per-user values and fold rows in a stable order.
        var results: [MetricResult] = []
        var userValues: [UserMetricValues] = []
        var perUser: [String: [String: (users: [Int32], values: [Double])]] = [:]
        for s in finished {
            let spec = strategies[s]
            for metric in layout.metrics {
                guard let (summary, users, values) = accumulators[s].overall(metric, userSpecs: layout.userSpecs, catalogueSpecs: layout.catalogueSpecs,
                                                                   ratingSpecs: layout.ratingSpecs) else { continue }
                results.append(MetricResult(strategy: spec.name, metric: metric.name, base: metric.baseName, k: metric.cutoff, fold: nil,
                                            mean: summary.mean, ciLow: summary.ciLow, ciHigh: summary.ciHigh, nUsers: summary.n,
                                            lowerIsBetter: metric.direction.lowerIsBetter))
                if let users, let values {
                    userValues.append(UserMetricValues(subject: spec.name, metric: metric.name, fold: nil, users: users, values: values))
                    perUser[metric.name, default: [:]][spec.name] = (users, values)
                }
            }
        }
        // Every metric undefined: an empty table is not a result.
        if !results.contains(where: { $0.mean.isFinite }) {
            if layout.listK > 0 && evaluatedTotal == 0 {
                let at = layout.relevance.threshold.map { "at relevance threshold \(String(format: "%g", $0))" } ?? "(every test interaction is relevant)"
                throw RecLabError(.data, "every metric is undefined: no user has a relevant item in the test part \(at); " +
                                  "\(excludedTotal) user-fold pairs had test interactions but none relevant. Lower 'relevance' or check the split",
                                  file: config.configPath, key: "relevance")
            }
            throw RecLabError.data("every metric is undefined for every strategy: no user, list or test rating it could be computed for " +
                                   "(for example diversity of one-item lists, or rating metrics without test ratings or without a strategy that predicts them)", file: config.configPath)
        }
        let finishedNames = Set(finished.map { strategies[$0].name })
        if foldCount > 1 { results += foldRows.filter { finishedNames.contains($0.strategy) } }

        // Paired comparisons: every pair of strategies on every metric with per-user values, Holm over all.
        var comparisons: [PairedComparison] = []
        for metric in layout.metrics {
            guard let byStrategy = perUser[metric.name] else { continue }
            for i in finished {
                for j in finished where j > i {
                    guard let a = byStrategy[strategies[i].name], let b = byStrategy[strategies[j].name] else { continue }
                    let (va, vb) = ExperimentRunner.matched(a, b)
                    guard va.count >= 2 else { continue }
                    let p = EvalStats.paired(va, vb)
                    comparisons.append(PairedComparison(metric: metric.name, a: strategies[i].name, b: strategies[j].name,
                                                        difference: p.difference, ciLow: p.ciLow, ciHigh: p.ciHigh, tP: p.tP,
                                                        wilcoxonP: p.wilcoxonP, pAdjusted: 1, significant: false, nUsers: p.n))
                }
            }
        }
        let adjusted = EvalStats.holm(comparisons.map(\.wilcoxonP))
        for i in comparisons.indices {
            comparisons[i].pAdjusted = adjusted[i]
            comparisons[i].significant = adjusted[i] < 0.05
        }

        var exposure: [String: [Int]] = [:]
        if layout.listK > 0 { for s in finished { exposure[strategies[s].name] = accumulators[s].exposure } }
        let runs = finished.map { s -> StrategyRun in
            let spec = strategies[s]
            return StrategyRun(name: spec.name, type: spec.type, parameters: spec.parameterStrings,
                        fitSeconds: accumulators[s].fitSeconds / Double(max(foldCount, 1)), evalSeconds: accumulators[s].evalSeconds / Double(max(foldCount, 1)))
        }
        let card = ExperimentRunner.datasetCard(dataset, synthetic: { if case .synthetic = config.dataset { return true }; return false }())
        let provenance = Provenance(configPath: config.configPath, configHash: config.configHash, configText: config.configText,
                                    seed: config.seed, reclabVersion: context.reclabVersion, gitCommit: context.gitCommit,
                                    createdAt: context.createdAt, dataset: card)
        let runId = ResultJSON.runId(kind: "offline", configHash: config.configHash, datasetHash: dataset.contentHash, seed: config.seed)
        var splitParams = config.split.parameters
        if config.repeats > 1 { splitParams["repeats"] = "\(config.repeats)" }
        let document = OfflineResults(runId: runId, name: config.name, provenance: provenance,
                                      split: SplitDescription(method: config.split.methodName, parameters: splitParams, folds: foldCount),
                                      relevanceThreshold: layout.relevance.threshold, strategies: runs, results: results,
                                      comparisons: comparisons, exposureK: layout.listK > 0 ? layout.listK : nil, exposure: exposure,
                                      excludedUsers: excludedTotal, failures: failures.isEmpty ? nil : failures)
        let rows = results.map { RunMetricRow(subject: $0.strategy, metric: $0.metric, fold: $0.fold,
                                              summary: MetricSummary(mean: $0.mean, ciLow: $0.ciLow, ciHigh: $0.ciHigh, n: $0.nUsers)) }
        let statisticsSeconds = Double(context.clock.monotonicNanoseconds() &- started) / 1e9
        context.log.info("[run] statistics: \(results.count) results, \(comparisons.count) paired comparisons, dataset card in \(String(format: "%.2f", statisticsSeconds))s")
        return ExperimentOutput(document: document, metricRows: rows, userValues: userValues)
    }
}
