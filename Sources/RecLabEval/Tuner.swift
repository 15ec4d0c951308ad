import Foundation
import RecLabCore
import RecLabResults
import RecLabSplits
import RecLabStrategies

/// One trial of a search: a plain value (strategy, trial id, derived seed, parameter point, iteration cap) that
/// can be run on its own, in any order or on another machine, and gives the same outcome.
public struct TuningTrial: Sendable, Hashable {
    /// The strategy's name in the config.
    public var strategy: String
    public var id: Int
    /// Successive-halving rung; nil for grid and random search.
    public var rung: Int?
    /// The searched parameters' values at this point (the strategy's fixed parameters are added when it runs).
    public var parameters: [String: ParamValue]
    /// Fitting seed, derived from (config seed, strategy, configuration id), never from execution order.
    public var seed: UInt64
    /// Iteration cap for iterative strategies (early stopping may stop sooner).
    public var maxIterations: Int?

    public init(strategy: String, id: Int, rung: Int? = nil, parameters: [String: ParamValue], seed: UInt64, maxIterations: Int? = nil) {
        self.strategy = strategy; self.id = id; self.rung = rung; self.parameters = parameters; self.seed = seed
        self.maxIterations = maxIterations
    }
}

/// What a trial gave: the validation score per fold and, for iterative strategies, where early stopping found the best.
public struct TrialOutcome: Sendable {
    public var trial: TuningTrial
    /// The metric's value per validation fold (nan when undefined).
    public var foldScores: [Double]
    public var bestIterations: [Int]?
    public var seconds: Double
    public var error: String?
}

/// Validation data of one outer fold: carved from its training part only (`Splitter.validation`).
struct ValidationFold {
    let context: FoldContext
    let fold: Fold

    /// Strong generalisation: what a fitted model folds in before it is scored (training rows and the validation
    /// users' fold-in rows); nil for the other methods.
    func foldInHistory(feedback: FeedbackKind) -> TrainingSet? {
        fold.foldIn.isEmpty ? nil : TrainingSet(dataset: context.dataset, rows: (fold.train + fold.foldIn).sorted(), feedback: feedback)
    }
}

/// Hyperparameter tuning on validation data (the engine behind `tune:` and `reclab tune`).
///
/// For each outer fold, validation data is carved from the training part with the split's own method
/// (`Splitter.validation`); the test part is never read while searching. Each strategy gets the same budget
/// (trials and/or seconds); a trial fits its parameter point on every validation fold's training part and is
/// scored on its validation part (the mean over folds is its score), iterative strategies stopping early when
/// the validation metric has not improved for `patience` checks (the best iteration count is recorded and
/// used for the refit). The best trial's parameters are then refitted on each whole training fold and
/// evaluated once on the test part by the ordinary offline runner, whose document carries the tuning record.
///
/// Deterministic for a seed (without a seconds budget): the validation carving, each trial's parameter point and
/// its fitting seed derive from the config seed, the strategy and the trial id, never from execution order or
/// thread count. Trials run in parallel, one per worker, each fitting single-threaded.
public enum Tuner {
    public static func run(_ config: ExperimentConfig, dataset: Dataset, context: RunContext = RunContext()) throws -> ExperimentOutput {
        guard let plan = config.tuning else {
            throw RecLabError.config("the config has no 'tune:' block (metric, method, budget); add one to tune", file: config.configPath, key: "tune")
        }
        return try context.bound { try runBound(config, plan: plan, dataset: dataset, context: context) }
    }

    static func runBound(_ config: ExperimentConfig, plan: TuningPlan, dataset: Dataset, context: RunContext) throws -> ExperimentOutput {
        let log = context.log
        guard dataset.interactionCount > 0 else { throw RecLabError.data("the dataset '\(dataset.name)' has no interactions") }
        // Memory is checked before any trial, as the test run would check it before any fit.
        try ExperimentRunner.checkMemory(config, dataset: dataset, budget: context.memoryBudget) {
            try StrategyRegistry.make(type: $0.type, parameters: $0.parameters)
        }
        let relevance = ExperimentRunner.relevanceRule(config, dataset: dataset)
        let validation = try validationFolds(config, dataset: dataset, relevance: relevance, context: context)
        let sizes = validation.map { "\($0.fold.train.count) train / \($0.fold.test.count) validation" }.joined(separator: "; ")
        log.info("[tune] validation carved from each training fold (\(config.split.methodName) inside the training part): \(sizes)")
        var tuned: [StrategySpec] = []
        var records: [StrategyTuning] = []
        for spec in config.strategies {
            let (record, selected) = try tune(spec, plan: plan, config: config, dataset: dataset, validation: validation, context: context)
            records.append(record)
            tuned.append(selected)
        }
        return try refit(config, plan: plan, selected: tuned, records: records, dataset: dataset, context: context)
    }

    /// The test run of a finished search: each strategy's selected point refitted on every whole training fold and
    /// evaluated once on the test part (the only time it is read) by the ordinary runner, whose document gets the
    /// tuning record. Shared by `runBound` and the gathering of a sharded search (`gather`).
    static func refit(_ config: ExperimentConfig, plan: TuningPlan, selected: [StrategySpec], records: [StrategyTuning],
                      dataset: Dataset, context: RunContext) throws -> ExperimentOutput {
        var final = config
        final.strategies = selected
        final.tuning = nil
        var output = try ExperimentRunner.runBound(final, dataset: dataset, context: context) {
            try StrategyRegistry.make(type: $0.type, parameters: $0.parameters)
        }
        output.document.tuning = TuningRecord(
            metric: plan.metric.name, lowerIsBetter: plan.metric.direction.lowerIsBetter, method: plan.method.rawValue,
            trialsBudget: plan.trials, secondsBudget: plan.seconds, patience: plan.patience,
            validation: validationDescription(config.split.method), strategies: records)
        return output
    }

    /// The validation carving in words, for the document.
    static func validationDescription(_ method: SplitMethod) -> String {
        switch method {
        case .holdout(let f): return "holdout: a random \(f) of each training part"
        case .kFold(let k): return "kfold: a random 1/\(k) of each training part (one inner fold)"
        case .userLastK(let k): return "user-temporal: each user's last \(k) training interactions"
        case .userLastFraction(let f): return "user-temporal: each user's latest \(f) of training interactions"
        case .globalTimeFraction(let f): return "global-temporal: the latest \(f) of each training part"
        case .globalTimeCut: return "global-temporal cut: the latest share of each training part equal to the test share"
        case .predefined: return "predefined: a random share of each training part equal to the test share"
        case .leaveOneOut: return "leave-one-out: each user's latest training interaction"
        case .strongGeneralization(let users, let foldIn):
            return "strong-generalization: a random \(users) of the training users held out, each giving \(foldIn) of their history as fold-in"
        }
    }

    /// One validation fold per outer fold (and repeat), carved from the training part only.
    static func validationFolds(_ config: ExperimentConfig, dataset: Dataset, relevance: RelevanceRule,
                                context: RunContext) throws -> [ValidationFold] {
        var out: [ValidationFold] = []
        // The same folds as the runner's (`foldsOfRepeat`), so the outer folds are the ones the test run uses.
        for r in 0..<config.repeats {
            for fold in try ExperimentRunner.foldsOfRepeat(r, config: config, dataset: dataset, context: context) {
                out.append(try carve(fold, index: out.count, config: config, dataset: dataset, relevance: relevance, context: context))
            }
        }
        return out
    }

    /// Validation fold `g` alone (repeat g / foldsPerRepeat), as `validationFolds` gives it: what one unit of a
    /// sharded search needs.
    static func validationFold(_ g: Int, foldsPerRepeat: Int, config: ExperimentConfig, dataset: Dataset, relevance: RelevanceRule,
                               context: RunContext) throws -> ValidationFold {
        let r = g / foldsPerRepeat
        let folds = try ExperimentRunner.foldsOfRepeat(r, config: config, dataset: dataset, context: context)
        guard folds.count == foldsPerRepeat else {
            throw RecLabError.data("repeat \(r + 1) gives \(folds.count) folds, the plan \(foldsPerRepeat)", file: config.configPath)
        }
        return try carve(folds[g % foldsPerRepeat], index: g, config: config, dataset: dataset, relevance: relevance, context: context)
    }

    /// The validation part of global outer fold `g`, seeded from (config seed, g) only.
    private static func carve(_ fold: Fold, index g: Int, config: ExperimentConfig, dataset: Dataset, relevance: RelevanceRule,
                              context: RunContext) throws -> ValidationFold {
        let inner = try Splitter.validation(of: fold.train, outerTestCount: fold.test.count, in: dataset,
                                            method: config.split.method,
                                            seed: context.seedTree(planSeed: config.seed).child("validation-\(g)").seed)
        let v = SplitFold(index: g, train: inner.train, test: inner.test)
        return ValidationFold(context: FoldContext(dataset: dataset, fold: v, relevance: relevance), fold: v)
    }

    /// The feedback a strategy is fitted with (its own, the config's, else what the dataset holds).
    static func feedback(_ spec: StrategySpec, config: ExperimentConfig, dataset: Dataset) -> FeedbackKind {
        spec.feedback ?? config.feedback ?? (dataset.isFullyRated ? .explicit : .implicit)
    }

    /// The iteration cap of an iterative strategy at a point (its fixed or searched value, else the default).
    static func iterationCap(_ spec: StrategySpec, point: [String: ParamValue]) -> (parameter: String, cap: Int)? {
        guard let type = StrategyRegistry.type(named: spec.type) as? any IterativeRecommender.Type else { return nil }
        let name = type.iterationParameter
        let value = point[name] ?? spec.parameters.values[name] ?? type.parameterInfo.first { $0.name == name }?.defaultValue
        guard case .int(let cap)? = value else { return nil }
        return (name, cap)
    }

    /// The first trials of a strategy's search: the grid, or `trials` random draws (rung 0 of halving).
    public static func initialTrials(_ spec: StrategySpec, plan: TuningPlan, seeds: SeedTree) -> [TuningTrial] {
        let axes = spec.search.sorted { $0.parameter < $1.parameter }
        func trialSeed(_ configuration: Int) -> UInt64 { seeds.descendant(["tune-\(spec.name)", "trial-\(configuration)"]).seed }
        guard !axes.isEmpty else { return [TuningTrial(strategy: spec.name, id: 0, parameters: [:], seed: trialSeed(0))] }
        if plan.method == .grid {
            var points: [[String: ParamValue]] = [[:]]
            for axis in axes {
                let values = axis.domain.gridValues(points: plan.gridPoints)
                points = points.flatMap { p in values.map { v in p.merging([axis.parameter: v]) { $1 } } }
            }
            if let t = plan.trials { points = Array(points.prefix(t)) }
            return points.enumerated().map { TuningTrial(strategy: spec.name, id: $0, parameters: $1, seed: trialSeed($0)) }
        }
        let count = plan.trials ?? TuningPlan.defaultTrials
        return (0..<count).map { id in
            // Each trial's point depends only on (seed, strategy, id): the same trial is drawn whatever ran before.
            var rng = SeededRandom(seed: trialSeed(id), stream: "tune-point")
            var point: [String: ParamValue] = [:]
            for axis in axes { point[axis.parameter] = axis.domain.sample(rng.nextDouble()) }
            return TuningTrial(strategy: spec.name, id: id, parameters: point, seed: trialSeed(id))
        }
    }

    /// The trials grid and random search run for a strategy: `initialTrials` with each iterative trial's cap (its
    /// own searched or fixed value, else the strategy's). Fixed in advance, so a sharded search plans them as units.
    public static func searchTrials(_ spec: StrategySpec, plan: TuningPlan, seeds: SeedTree) -> [TuningTrial] {
        let trials = initialTrials(spec, plan: plan, seeds: seeds)
        guard let cap = iterationCap(spec, point: [:]) else { return trials }
        return trials.map { var t = $0; t.maxIterations = iterationCap(spec, point: t.parameters)?.cap ?? cap.cap; return t }
    }

    /// What ends a search that no seconds budget cut short.
    static func searchEnd(_ spec: StrategySpec, plan: TuningPlan) -> String {
        spec.search.isEmpty ? "defaults" : (plan.method == .grid && plan.trials == nil ? "grid" : "trials")
    }

    /// Searches one strategy and returns its record and the spec to refit (selected point, best iterations).
    static func tune(_ spec: StrategySpec, plan: TuningPlan, config: ExperimentConfig, dataset: Dataset,
                     validation: [ValidationFold], context: RunContext) throws -> (StrategyTuning, StrategySpec) {
        let clock = context.clock
        let start = clock.monotonicNanoseconds()
        func elapsed() -> Double { Double(clock.monotonicNanoseconds() &- start) / 1e9 }
        let feedback = feedback(spec, config: config, dataset: dataset)
        let trainSets = validation.map { TrainingSet(dataset: dataset, rows: $0.fold.train, feedback: feedback) }
        let foldInSets = validation.map { $0.foldInHistory(feedback: feedback) }
        let lowerIsBetter = plan.metric.direction.lowerIsBetter
        var outcomes: [TrialOutcome] = []
        var stoppedBy = searchEnd(spec, plan: plan)

        /// Runs trials in batches of the worker count; a spent seconds budget stops before the next batch.
        func runAll(_ trials: [TuningTrial]) -> [TrialOutcome] {
            var done: [TrialOutcome] = []
            let batch = max(1, context.threads)
            var next = 0
            while next < trials.count {
                if let budget = plan.seconds, elapsed() >= budget { stoppedBy = "seconds"; break }
                let chunk = Array(trials[next..<min(trials.count, next + batch)])
                next += chunk.count
                var results = [TrialOutcome?](repeating: nil, count: chunk.count)
                results.withUnsafeMutableBufferPointer { out in
                    let out = out
                    Parallel.forEachChunk(chunk.count, minChunk: 1) { range in
                        for t in range {
                            // One fit per worker: the trial itself runs single-threaded.
                            out[t] = Parallel.$scopedThreads.withValue(1) {
                                runTrial(chunk[t], spec: spec, plan: plan, validation: validation, trainSets: trainSets,
                                         foldInSets: foldInSets, clock: clock)
                            }
                        }
                    }
                }
                for o in results.compactMap({ $0 }) {
                    logTrial(o, plan: plan, context: context)
                    done.append(o)
                }
            }
            return done
        }

        let seeds = context.seedTree(planSeed: config.seed)
        let initial = initialTrials(spec, plan: plan, seeds: seeds)
        let cap = iterationCap(spec, point: [:])
        let searchesIterations = cap.map { c in spec.search.contains { $0.parameter == c.parameter } } ?? true
        if plan.method == .halving, let cap, !searchesIterations, initial.count > 1 {
            // Successive halving: rungs r_0 < r_1 < ... < r_s = cap iterations, keeping the best 1/eta each time.
            let eta = Double(plan.eta)
            var rungs = max(0, Int((Foundation.log(Double(initial.count)) / Foundation.log(eta) + 1e-9).rounded(.down)))
            while rungs > 0 && Double(cap.cap) / pow(eta, Double(rungs)) < 1 { rungs -= 1 }
            var configurations = initial
            var nextId = 0
            for rung in 0...rungs {
                let iterations = max(1, Int((Double(cap.cap) / pow(eta, Double(rungs - rung))).rounded(.up)))
                let rungTrials = configurations.map { c -> TuningTrial in
                    defer { nextId += 1 }
                    return TuningTrial(strategy: spec.name, id: nextId, rung: rung, parameters: c.parameters, seed: c.seed,
                                       maxIterations: min(cap.cap, iterations))
                }
                let results = runAll(rungTrials)
                outcomes += results
                if results.count < rungTrials.count || rung == rungs { break }
                let keep = max(1, Int((Double(configurations.count) / eta).rounded(.down)))
                let ranked = results.sorted { better(meanScore($0), $0.trial.id, than: meanScore($1), $1.trial.id, lowerIsBetter: lowerIsBetter) }
                configurations = ranked.prefix(keep).map(\.trial)
            }
        } else {
            outcomes = runAll(searchTrials(spec, plan: plan, seeds: seeds))
        }
        return select(spec, plan: plan, outcomes: outcomes, stoppedBy: stoppedBy, seconds: elapsed(), context: context)
    }

    /// The log line of a finished trial.
    static func logTrial(_ o: TrialOutcome, plan: TuningPlan, context: RunContext) {
        let params = o.trial.parameters.keys.sorted().map { "\($0)=\(o.trial.parameters[$0]!.shortText)" }.joined(separator: ",")
        context.log.info("\(String(format: "[tune] %@ trial %d%@ [%@]: %@ = %.5f (%.1fs)", o.trial.strategy, o.trial.id, o.trial.rung.map { " rung \($0)" } ?? "", params, plan.metric.name, meanScore(o), o.seconds))\(o.error.map { " failed: \($0)" } ?? "")")
    }

    /// Selection and the strategy's record, from its trials' outcomes: the best mean validation score in the last
    /// rung reached (all trials for grid and random search; ties to the lower id), its parameters with early
    /// stopping's median best iteration count as the spec to refit. The one selection of both `reclab tune` and
    /// the gathering of a sharded search.
    static func select(_ spec: StrategySpec, plan: TuningPlan, outcomes: [TrialOutcome], stoppedBy: String, seconds: Double,
                       context: RunContext) -> (StrategyTuning, StrategySpec) {
        let log = context.log
        let lowerIsBetter = plan.metric.direction.lowerIsBetter
        let lastRung = outcomes.compactMap { $0.trial.rung }.max()
        let candidates = outcomes.filter { $0.trial.rung == lastRung && meanScore($0).isFinite }
        let best = candidates.min { better(meanScore($0), $0.trial.id, than: meanScore($1), $1.trial.id, lowerIsBetter: lowerIsBetter) }
        var selected = spec
        if let best {
            for (k, v) in best.trial.parameters { selected.parameters.values[k] = v }
            if let its = best.bestIterations, !its.isEmpty, let c = iterationCap(spec, point: best.trial.parameters) {
                // Early stopping's best iteration count (the median over validation folds) is what the refit uses.
                let sorted = its.sorted()
                selected.parameters.values[c.parameter] = .int(sorted[(sorted.count - 1) / 2])
            }
        } else if !spec.search.isEmpty {
            log.warning("[tune] \(spec.name): no trial gave a validation score; it runs with its configured parameters")
        }
        selected.search = []
        let record = StrategyTuning(
            strategy: spec.name, type: spec.type,
            space: spec.search.map { SearchAxisRecord(parameter: $0.parameter, domain: $0.domain.text) },
            trials: outcomes.map { o in
                TrialRecord(id: o.trial.id, rung: o.trial.rung, parameters: o.trial.parameters.mapValues(\.description), seed: o.trial.seed,
                            score: meanScore(o), foldScores: o.foldScores, maxIterations: o.trial.maxIterations,
                            bestIterations: o.bestIterations, seconds: o.seconds, error: o.error)
            },
            selectedTrial: best?.trial.id, selected: selected.parameterStrings, stoppedBy: stoppedBy, seconds: seconds)
        if let best {
            log.info("\(String(format: "[tune] %@: selected trial %d, validation %@ = %.5f; %d trials in %.1fs (stopped by %@)", spec.name, best.trial.id, plan.metric.name, meanScore(best), outcomes.count, seconds, stoppedBy))")
        }
        return (record, selected)
    }

    /// a before b: better score, ties to the lower trial id (nan last).
    static func better(_ a: Double, _ idA: Int, than b: Double, _ idB: Int, lowerIsBetter: Bool) -> Bool {
        if a.isNaN != b.isNaN { return !a.isNaN }
        if a != b && !a.isNaN { return lowerIsBetter ? a < b : a > b }
        return idA < idB
    }

    static func meanScore(_ o: TrialOutcome) -> Double {
        guard !o.foldScores.isEmpty, o.error == nil else { return .nan }
        return o.foldScores.reduce(0, +) / Double(o.foldScores.count)
    }

    /// Fits `trial` on every validation fold's training part and scores it on the validation part. Iterative
    /// strategies are scored after every `checkEvery` iterations and stop after `patience` checks without
    /// improvement; their score is the best check's.
    public static func runTrial(_ trial: TuningTrial, spec: StrategySpec, plan: TuningPlan, dataset: Dataset,
                                config: ExperimentConfig, context: RunContext) throws -> TrialOutcome {
        let relevance = ExperimentRunner.relevanceRule(config, dataset: dataset)
        let validation = try validationFolds(config, dataset: dataset, relevance: relevance, context: context)
        let feedback = feedback(spec, config: config, dataset: dataset)
        let trainSets = validation.map { TrainingSet(dataset: dataset, rows: $0.fold.train, feedback: feedback) }
        let foldInSets = validation.map { $0.foldInHistory(feedback: feedback) }
        return context.bound {
            runTrial(trial, spec: spec, plan: plan, validation: validation, trainSets: trainSets, foldInSets: foldInSets, clock: context.clock)
        }
    }

    static func runTrial(_ trial: TuningTrial, spec: StrategySpec, plan: TuningPlan, validation: [ValidationFold],
                         trainSets: [TrainingSet], foldInSets: [TrainingSet?], clock: RunClock) -> TrialOutcome {
        let start = clock.monotonicNanoseconds()
        var folds: [Result<TrialFold, TrialFoldFailure>] = []
        for (f, v) in validation.enumerated() {
            let result = runTrialFold(trial, spec: spec, plan: plan, fold: v, index: f, trainSet: trainSets[f], foldIn: foldInSets[f])
            folds.append(result)
            // A trial that fails on one fold has no score: the later folds are not fitted.
            if case .failure = result { break }
        }
        return outcome(of: trial, folds: folds, seconds: Double(clock.monotonicNanoseconds() &- start) / 1e9)
    }

    /// What one validation fold gave a trial: its score and, for iterative strategies, early stopping's best
    /// iteration count.
    struct TrialFold: Sendable, Equatable {
        var score: Double
        var bestIteration: Int?
    }

    /// Why a trial could not be fitted or scored on a fold.
    struct TrialFoldFailure: Error, Sendable, Equatable {
        var message: String
    }

    /// A trial's outcome from its folds in fold order: the scores up to the first failing fold, whose error is the
    /// trial's (it then has no best iterations). Shared by `runTrial` and the gathering of a sharded search.
    static func outcome(of trial: TuningTrial, folds: [Result<TrialFold, TrialFoldFailure>], seconds: Double) -> TrialOutcome {
        var scores: [Double] = []
        var bestIterations: [Int] = []
        for fold in folds {
            switch fold {
            case .success(let r):
                scores.append(r.score)
                if let i = r.bestIteration { bestIterations.append(i) }
            case .failure(let e):
                return TrialOutcome(trial: trial, foldScores: scores, bestIterations: nil, seconds: seconds, error: e.message)
            }
        }
        return TrialOutcome(trial: trial, foldScores: scores, bestIterations: bestIterations.isEmpty ? nil : bestIterations,
                            seconds: seconds, error: nil)
    }

    /// Fits `trial` on validation fold `f`'s training part (seed from the trial's seed and `f` only) and scores it
    /// on its validation part, early-stopping iterative strategies. The one fold fit of `runTrial` and of a
    /// `tune-trial` unit.
    static func runTrialFold(_ trial: TuningTrial, spec: StrategySpec, plan: TuningPlan, fold v: ValidationFold, index f: Int,
                             trainSet: TrainingSet, foldIn: TrainingSet?) -> Result<TrialFold, TrialFoldFailure> {
        var parameters = spec.parameters
        for (k, v) in trial.parameters { parameters.values[k] = v }
        let cap = iterationCap(spec, point: trial.parameters)
        if let cap, let maxIterations = trial.maxIterations { parameters.values[cap.parameter] = .int(min(cap.cap, maxIterations)) }
        let fitSeed = SeedTree(root: trial.seed).child("fold-\(f)").seed
        do {
            let model = try StrategyRegistry.make(type: spec.type, parameters: parameters)
            if plan.metric is any RatingMetric && !model.predictsRatings {
                throw RecLabError.config("\(spec.type) does not predict ratings; it cannot be tuned on \(plan.metric.name)")
            }
            if foldIn != nil && !(model is any FoldInRecommender) {
                throw RecLabError.config("\(spec.type) cannot fold in held-out users, which strong-generalization validation needs")
            }
            let evaluate = { @Sendable () -> Double in
                // Strong generalisation: the validation users' fold-in rows are given to the model as it is now
                // (after each checked iteration too), as the test run gives the held-out users'.
                if let foldIn, let model = model as? any FoldInRecommender {
                    do { try model.foldIn(foldIn) } catch { return -.infinity }
                }
                let value = validationValue(model, metric: plan.metric, fold: v, train: trainSet)
                return plan.metric.direction.lowerIsBetter ? -value : value
            }
            if let cap, model is any IterativeRecommender {
                let limit = trial.maxIterations.map { min($0, cap.cap) } ?? cap.cap
                let stopper = EarlyStopper(patience: plan.patience, checkEvery: max(1, limit / 25), limit: limit, evaluate: evaluate)
                try model.fit(trainSet, context: FitContext(seed: fitSeed, afterIteration: { stopper.check($0) }))
                let (best, iteration) = stopper.best
                return .success(TrialFold(score: plan.metric.direction.lowerIsBetter ? -best : best, bestIteration: iteration))
            }
            try model.fit(trainSet, context: FitContext(seed: fitSeed))
            let s = evaluate()
            return .success(TrialFold(score: plan.metric.direction.lowerIsBetter ? -s : s, bestIteration: nil))
        } catch {
            return .failure(TrialFoldFailure(message: (error as? RecLabError)?.message ?? "\(error)"))
        }
    }

    /// The target metric of a fitted model on a validation fold: the mean per-user value of a ranking metric
    /// (users with a relevant validation item, full ranking minus training items, as the runner ranks), or a
    /// rating metric over the validation ratings (unpredictable pairs get the training mean).
    static func validationValue(_ model: any Recommender, metric: any Metric, fold: ValidationFold, train: TrainingSet) -> Double {
        if let list = metric as? any ListMetric {
            let result = ExperimentRunner.evaluateRanking(model: model, ctx: fold.context, listK: list.k, userSpecs: [list],
                                                          catalogueKs: [], label: "validation", showProgress: false)
            let values = result.values.filter { !$0.isNaN }
            return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        }
        if let rating = metric as? any RatingMetric {
            guard !fold.context.ratingRows.isEmpty else { return .nan }
            let losses = ExperimentRunner.evaluateRatings(model: model, ctx: fold.context, fallback: train.globalMean, metrics: [rating]).losses[0]
            return rating.value(meanLoss: losses.reduce(0, +) / Double(losses.count))
        }
        return .nan
    }
}

/// Early stopping state of one fit (Prechelt, "Early Stopping — But When?", 1998: stop after `patience` checks
/// without improvement, keep the best). Scores are oriented so that higher is better.
// @unchecked Sendable: the fit calls `check` synchronously on its own thread, one iteration after another, and
// `best` is read only after the fit returned; nothing else touches the state.
public final class EarlyStopper: @unchecked Sendable {
    public let patience: Int, checkEvery: Int, limit: Int
    let evaluate: @Sendable () -> Double
    /// The best score so far (higher is better) and the iteration count it was reached at (0 before any check).
    public private(set) var best: (score: Double, iteration: Int) = (-.infinity, 0)
    private var sinceBest = 0

    public init(patience: Int, checkEvery: Int, limit: Int, evaluate: @escaping @Sendable () -> Double) {
        self.patience = patience; self.checkEvery = checkEvery; self.limit = limit; self.evaluate = evaluate
    }

    /// Called after `iteration` iterations; false stops the fit.
    public func check(_ iteration: Int) -> Bool {
        guard iteration % checkEvery == 0 || iteration >= limit else { return true }
        let s = evaluate()
        if best.iteration == 0 || s > best.score { best = (s, iteration); sinceBest = 0 } else { sinceBest += 1 }
        return sinceBest < patience && iteration < limit
    }
}
