import Foundation
import RecLabCore
import RecLabResults
import RecLabStrategies

/// An offline run cut into independent units of work (`reclab plan`, `run-unit`, `gather`): one unit per
/// strategy (grid point) x fold x repeat. A unit computes exactly what `run` computes for that strategy on that
/// fold: the split of its repeat from the config's seed and the repeat number, the fitting seed from the config's
/// seed and the global fold number, never from the order units run in. Merging the units' partial results in
/// (fold, strategy) order through the same `OfflineMerger` gives the document `run` gives. A config with `tune:`
/// is planned as its search instead (`Tuner.plan`, TuningUnits.swift).
extension ExperimentRunner {
    /// The command name a plan of an offline run carries.
    public static let planCommand = "run"

    /// The units of `config` when each repeat has `foldsPerRepeat` folds, in merge order: repeat, fold, then
    /// strategy (index = (repeat x folds + fold) x strategies + strategy).
    public static func units(of config: ExperimentConfig, foldsPerRepeat: Int) -> [WorkUnit] {
        var units: [WorkUnit] = []
        units.reserveCapacity(config.repeats * foldsPerRepeat * config.strategies.count)
        for r in 0..<config.repeats {
            for f in 0..<foldsPerRepeat {
                for (s, spec) in config.strategies.enumerated() {
                    units.append(WorkUnit(index: units.count, id: "offline/repeat-\(r + 1)/fold-\(f + 1)/\(spec.name)",
                                          kind: .offlineFold, coordinates: ["repeat": r, "fold": f, "strategy": s]))
                }
            }
        }
        return units
    }

    /// The plan of `config` on `dataset`: splits the first repeat to learn the fold count (every repeat of a
    /// method has the same count).
    public static func plan(_ config: ExperimentConfig, dataset: Dataset, context: RunContext = RunContext(),
                            makeStrategy: (StrategySpec) throws -> any Recommender = { try StrategyRegistry.make(type: $0.type, parameters: $0.parameters) })
        throws -> WorkPlan {
        _ = try OfflineLayout(config: config, dataset: dataset)
        // A tuned config is planned as its search (`tune-trial` units); gather refits the selection.
        if config.tuning != nil { return try Tuner.plan(config, dataset: dataset, context: context) }
        try checkMemory(config, dataset: dataset, budget: context.memoryBudget, makeStrategy: makeStrategy)
        let folds = try context.bound { try foldsOfRepeat(0, config: config, dataset: dataset, context: context) }
        guard !folds.isEmpty else { throw RecLabError.data("the split gives no fold", file: config.configPath) }
        return WorkPlan(command: planCommand, name: config.name, configPath: config.configPath ?? "",
                        configHash: config.configHash, datasetHash: dataset.contentHash, seed: config.seed,
                        units: units(of: config, foldsPerRepeat: folds.count))
    }

    /// Checks that `plan` is a plan of `config` on `dataset` (same config text, data and seed, and exactly the
    /// units planning gives) and returns its folds per repeat. `source` names the manifest in errors.
    public static func checkPlan(_ plan: WorkPlan, config: ExperimentConfig, dataset: Dataset, source: String) throws -> Int {
        guard plan.command == planCommand else {
            throw RecLabError.input("this plan shards '\(SafeName.visible(plan.command))'; only offline runs ('run') are run unit by unit so far", file: source)
        }
        guard config.tuning == nil else {
            throw RecLabError.input("the config \(plan.configPath) has a 'tune:' block, but the plan is of an untuned run; plan again", file: source)
        }
        guard plan.configHash == config.configHash else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: source)
        }
        guard plan.datasetHash == dataset.contentHash else {
            throw RecLabError.input("the dataset changed since planning (content hash \(dataset.contentHash.prefix(12)), planned \(plan.datasetHash.prefix(12))); plan again", file: source)
        }
        guard plan.seed == config.seed else { throw RecLabError.input("seed \(plan.seed) is not the config's seed \(config.seed)", file: source) }
        let perFold = config.repeats * config.strategies.count
        guard perFold > 0, plan.units.count % perFold == 0 else {
            throw RecLabError.input("\(plan.units.count) units do not divide into \(config.repeats) repeat(s) x \(config.strategies.count) strategies", file: source)
        }
        let foldsPerRepeat = plan.units.count / perFold
        guard plan.units == units(of: config, foldsPerRepeat: foldsPerRepeat) else {
            throw RecLabError.input("the units are not those planning gives for this config; plan again", file: source)
        }
        return foldsPerRepeat
    }

    /// Runs unit `index` of a checked plan: the strategy's fit and evaluation on its fold, and the fold's own
    /// figures. Returns the partial result (deterministic) and its timings (not).
    public static func runUnit(_ config: ExperimentConfig, dataset: Dataset, plan: WorkPlan, index: Int, source: String,
                               context: RunContext = RunContext(),
                               makeStrategy: (StrategySpec) throws -> any Recommender = { try StrategyRegistry.make(type: $0.type, parameters: $0.parameters) })
        throws -> (result: OfflineUnitResult, timing: UnitTiming) {
        let foldsPerRepeat = try checkPlan(plan, config: config, dataset: dataset, source: source)
        guard plan.units.indices.contains(index) else {
            throw RecLabError.usage("unit \(index) is not in the plan (it has units 0 to \(plan.units.count - 1))")
        }
        let unit = plan.units[index]
        let r = try unit.coordinate("repeat", source: source), f = try unit.coordinate("fold", source: source)
        let s = try unit.coordinate("strategy", source: source)
        return try context.bound {
            let layout = try OfflineLayout(config: config, dataset: dataset)
            let folds = try foldsOfRepeat(r, config: config, dataset: dataset, context: context)
            guard folds.count == foldsPerRepeat else {
                throw RecLabError.data("repeat \(r + 1) gives \(folds.count) folds, the plan \(foldsPerRepeat)", file: config.configPath)
            }
            let g = r * foldsPerRepeat + f
            let label = foldLabel(fold: f, folds: folds.count, repeat: r, repeats: config.repeats)
            // Built exactly as the unsharded runner builds it (sampled negatives from the same seed, fold-in rows).
            let ctx = FoldContext(dataset: dataset, fold: folds[f], relevance: layout.relevance, sampledNegatives: layout.sampledNegatives,
                                  negativeSeed: context.seedTree(planSeed: config.seed).child("negatives-\(g)").seed)
            let summary = FoldSummary(ctx, index: g, fold: folds[f], layout: layout)
            logFold(summary, label: label, layout: layout, context: context)
            var result = OfflineUnitResult(unit: unit, configHash: config.configHash, datasetHash: dataset.contentHash, fold: g,
                                           trainCount: summary.trainCount, testCount: summary.testCount, evalUsers: summary.evalUsers,
                                           excludedUsers: summary.excludedUsers, ratingUsers: summary.ratingUsers,
                                           outcome: .nothingToEvaluate)
            guard summary.evaluable else { return (result, UnitTiming(fitSeconds: 0, evalSeconds: 0)) }
            var trainSets: [FeedbackKind: TrainingSet] = folds[f].foldIn.isEmpty ? [.implicit: ctx.exclusion] : [:]
            let outcome = evaluateStrategy(s, config: config, layout: layout, ctx: ctx, fitSeed: fitSeed(fold: g, config: config, context: context),
                                           label: label, trainSets: &trainSets, context: context, makeStrategy: makeStrategy)
            switch outcome {
            case .failed(let e):
                result.outcome = .failed
                result.error = e.description
                return (result, UnitTiming(fitSeconds: 0, evalSeconds: 0))
            case .finished(let r, let predictsRatings, let fitSeconds, let evalSeconds):
                result.outcome = .finished
                result.predictsRatings = predictsRatings
                result.rankingValues = r.ranking?.values
                result.catalogueExposure = r.ranking?.catalogueExposure
                result.exposure = r.ranking?.exposure
                result.ratingLosses = r.rating?.losses
                return (result, UnitTiming(fitSeconds: fitSeconds, evalSeconds: evalSeconds))
            }
        }
    }

    /// Merges the partial results of every unit of a checked plan into the run's document, in (fold, strategy)
    /// order. `load(i)` returns unit i's partial result and its timings (nil when not kept: times count as 0);
    /// results are read one at a time, so memory stays that of one unit plus the run's accumulators. Each
    /// partial result is untrusted: its unit, hashes, fold and array sizes are checked before use.
    public static func gather(_ config: ExperimentConfig, dataset: Dataset, plan: WorkPlan, source: String,
                              context: RunContext = RunContext(),
                              load: (Int) throws -> (result: OfflineUnitResult, timing: UnitTiming?)) throws -> ExperimentOutput {
        let foldsPerRepeat = try checkPlan(plan, config: config, dataset: dataset, source: source)
        let layout = try OfflineLayout(config: config, dataset: dataset)
        var merger = OfflineMerger(config: config, dataset: dataset, layout: layout)
        let S = config.strategies.count
        for g in 0..<(config.repeats * foldsPerRepeat) {
            var foldSummary: FoldSummary?
            for s in 0..<S {
                let index = g * S + s
                let (partial, timing) = try load(index)
                let summary = try check(partial, unit: plan.units[index], fold: g, config: config, dataset: dataset, layout: layout)
                if let foldSummary {
                    guard summary == foldSummary else {
                        throw RecLabError.input("units of fold \(g + 1) disagree on the fold's users or sizes: unit \(index) (\(partial.unit.id))", file: source)
                    }
                } else {
                    foldSummary = summary
                    merger.beginFold(summary)
                }
                guard summary.evaluable else { continue }
                switch partial.outcome {
                case .nothingToEvaluate:
                    throw RecLabError.input("unit \(index) (\(partial.unit.id)) says its fold has nothing to evaluate, but it has", file: source)
                case .failed:
                    merger.add(.failed(RecLabError(.data, partial.error ?? "the strategy could not be fitted")), strategy: s)
                case .finished:
                    var r = FoldStrategyResult()
                    if let values = partial.rankingValues {
                        r.ranking = RankingResult(values: values, catalogueExposure: partial.catalogueExposure ?? [],
                                                  exposure: partial.exposure ?? [])
                    }
                    if let losses = partial.ratingLosses { r.rating = RatingResult(losses: losses) }
                    merger.add(.finished(r, predictsRatings: partial.predictsRatings, fitSeconds: timing?.fitSeconds ?? 0,
                                         evalSeconds: timing?.evalSeconds ?? 0), strategy: s)
                }
            }
        }
        return try merger.finish(context: context)
    }

    /// The fold summary of a partial result after checking it belongs to `unit` of this config and data and
    /// that every array has the size and range the merge indexes it with.
    static func check(_ p: OfflineUnitResult, unit: WorkUnit, fold g: Int, config: ExperimentConfig, dataset: Dataset,
                      layout: OfflineLayout) throws -> FoldSummary {
        let source = "partial result of unit \(unit.index) (\(unit.id))"
        func bad(_ what: String) -> RecLabError { RecLabError.input(what + "; run the unit again", file: source) }
        guard p.unit == unit else { throw bad("it is the result of another unit (\(p.unit.id))") }
        guard p.configHash == config.configHash, p.datasetHash == dataset.contentHash else { throw bad("it was computed from another config or dataset") }
        guard p.fold == g else { throw bad("it names fold \(p.fold + 1), the plan fold \(g + 1)") }
        let users = Int32(dataset.userCount), items = dataset.itemCount
        guard p.trainCount >= 0, p.testCount >= 0, p.excludedUsers >= 0 else { throw bad("negative counts") }
        guard p.evalUsers.allSatisfy({ $0 >= 0 && $0 < users }), zip(p.evalUsers, p.evalUsers.dropFirst()).allSatisfy({ $0 < $1 }),
              p.ratingUsers.allSatisfy({ $0 >= 0 && $0 < users }) else { throw bad("user numbers out of range or out of order") }
        if let v = p.rankingValues, v.count != layout.userSpecs.count * p.evalUsers.count {
            throw bad("\(v.count) ranking values, expected \(layout.userSpecs.count * p.evalUsers.count)")
        }
        if p.rankingValues != nil {
            guard let cat = p.catalogueExposure, cat.count == layout.catalogueSpecs.count, cat.allSatisfy({ $0.count == items }),
                  let exposure = p.exposure, exposure.count == items else { throw bad("exposure counts of the wrong size") }
        }
        if let losses = p.ratingLosses, losses.count != layout.ratingSpecs.count || losses.contains(where: { $0.count != p.ratingUsers.count }) {
            throw bad("rating losses of the wrong size")
        }
        return FoldSummary(index: g, trainCount: p.trainCount, testCount: p.testCount, evalUsers: p.evalUsers,
                           excludedUsers: p.excludedUsers, ratingUsers: p.ratingUsers, evaluable: p.outcome != .nothingToEvaluate)
    }
}
