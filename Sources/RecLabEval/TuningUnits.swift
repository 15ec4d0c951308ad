import Foundation
import RecLabCore
import RecLabResults
import RecLabStrategies

/// A tuned run (`tune:`) cut into independent units of work (`reclab plan`, `run-unit`, `gather`): one unit per
/// strategy x trial x validation fold. Only grid and random search are planned: their trials are fixed before
/// any runs (`searchTrials`); halving's later rungs depend on earlier results and a seconds budget on machine
/// speed, so those are refused. A unit fits its trial on its validation fold exactly as `runTrial` does (the
/// same `runTrialFold`, seeded from the trial's seed and the fold number, one thread); `gather` assembles each
/// trial's folds (`outcome`), selects (`select`) and refits (`refit`) with the code `reclab tune` runs, so the
/// document is the one `tune` gives.
extension Tuner {
    /// The command name a plan of a tuned run carries.
    public static let planCommand = "tune"

    /// The units of tuned `config` with `validationFolds` validation folds (repeats x folds), in gather order:
    /// strategy, trial, then fold. Ids name the trial by its id in the tuning record and the fold from 1.
    public static func units(of config: ExperimentConfig, plan: TuningPlan, validationFolds: Int, seeds: SeedTree) -> [WorkUnit] {
        var units: [WorkUnit] = []
        for (s, spec) in config.strategies.enumerated() {
            for trial in searchTrials(spec, plan: plan, seeds: seeds) {
                for g in 0..<validationFolds {
                    units.append(WorkUnit(index: units.count, id: "tune/\(spec.name)/trial-\(trial.id)/fold-\(g + 1)",
                                          kind: .tuneTrial, coordinates: ["strategy": s, "trial": trial.id, "fold": g]))
                }
            }
        }
        return units
    }

    /// Refuses a search whose trials are not fixed in advance, naming the key of `tune:` that makes it so.
    static func checkPlannable(_ plan: TuningPlan, config: ExperimentConfig) throws {
        if plan.method == .halving {
            throw plan.error(at: "method", "successive halving cannot be sharded: each rung's trials depend on the previous rung's results; run it with 'reclab tune', or use method: grid or random", file: config.configPath)
        }
        if plan.seconds != nil {
            throw plan.error(at: "seconds", "a seconds budget cannot be sharded: how many trials run depends on the machine's speed; run it with 'reclab tune', or give trials only", file: config.configPath)
        }
    }

    /// The plan of tuned `config` on `dataset`: splits the first repeat to learn the fold count (every repeat of
    /// a method has the same count).
    public static func plan(_ config: ExperimentConfig, dataset: Dataset, context: RunContext = RunContext()) throws -> WorkPlan {
        guard let tuning = config.tuning else {
            throw RecLabError.config("the config has no 'tune:' block; plan it as an offline run", file: config.configPath, key: "tune")
        }
        try checkPlannable(tuning, config: config)
        guard dataset.interactionCount > 0 else { throw RecLabError.data("the dataset '\(dataset.name)' has no interactions") }
        _ = try OfflineLayout(config: config, dataset: dataset)
        // Memory is checked at planning, as `reclab tune` checks it before any trial.
        try ExperimentRunner.checkMemory(config, dataset: dataset, budget: context.memoryBudget) {
            try StrategyRegistry.make(type: $0.type, parameters: $0.parameters)
        }
        let folds = try context.bound { try ExperimentRunner.foldsOfRepeat(0, config: config, dataset: dataset, context: context) }
        guard !folds.isEmpty else { throw RecLabError.data("the split gives no fold", file: config.configPath) }
        return WorkPlan(command: planCommand, name: config.name, configPath: config.configPath ?? "",
                        configHash: config.configHash, datasetHash: dataset.contentHash, seed: config.seed,
                        units: units(of: config, plan: tuning, validationFolds: config.repeats * folds.count,
                                     seeds: context.seedTree(planSeed: config.seed)))
    }

    /// Checks that `plan` is a plan of tuned `config` on `dataset` (same config text, data and seed, and exactly
    /// the units planning gives) and returns its number of validation folds. `source` names the manifest in errors.
    public static func checkPlan(_ plan: WorkPlan, config: ExperimentConfig, dataset: Dataset, source: String,
                                 context: RunContext = RunContext()) throws -> Int {
        guard plan.command == planCommand else {
            throw RecLabError.input("this plan shards '\(SafeName.visible(plan.command))', not a tuned run ('\(planCommand)')", file: source)
        }
        guard let tuning = config.tuning else {
            throw RecLabError.input("the config \(plan.configPath) has no 'tune:' block, but the plan is of a tuned run; plan again", file: source)
        }
        try checkPlannable(tuning, config: config)
        guard plan.configHash == config.configHash else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: source)
        }
        guard plan.datasetHash == dataset.contentHash else {
            throw RecLabError.input("the dataset changed since planning (content hash \(dataset.contentHash.prefix(12)), planned \(plan.datasetHash.prefix(12))); plan again", file: source)
        }
        guard plan.seed == config.seed else { throw RecLabError.input("seed \(plan.seed) is not the config's seed \(config.seed)", file: source) }
        let seeds = context.seedTree(planSeed: config.seed)
        let trials = config.strategies.reduce(0) { $0 + searchTrials($1, plan: tuning, seeds: seeds).count }
        guard trials > 0, plan.units.count % (trials * config.repeats) == 0 else {
            throw RecLabError.input("\(plan.units.count) units do not divide into \(trials) trials x \(config.repeats) repeat(s)", file: source)
        }
        let validationFolds = plan.units.count / trials
        guard plan.units == units(of: config, plan: tuning, validationFolds: validationFolds, seeds: seeds) else {
            throw RecLabError.input("the units are not those planning gives for this config; plan again", file: source)
        }
        return validationFolds
    }

    /// Runs unit `index` of a checked plan: its trial fitted on its validation fold's training part (one thread, as
    /// `reclab tune` fits every trial) and scored on the validation part. Returns the partial result
    /// (deterministic) and its time (not; counted as fit time).
    public static func runUnit(_ config: ExperimentConfig, dataset: Dataset, plan: WorkPlan, index: Int, source: String,
                               context: RunContext = RunContext()) throws -> (result: TuneTrialUnitResult, timing: UnitTiming) {
        let validationFolds = try checkPlan(plan, config: config, dataset: dataset, source: source, context: context)
        guard plan.units.indices.contains(index) else {
            throw RecLabError.usage("unit \(index) is not in the plan (it has units 0 to \(plan.units.count - 1))")
        }
        let unit = plan.units[index]
        let s = try unit.coordinate("strategy", source: source), t = try unit.coordinate("trial", source: source)
        let g = try unit.coordinate("fold", source: source)
        // checkPlan compared the units with planning's, so the coordinates name a strategy, trial and fold.
        guard let tuning = config.tuning, config.strategies.indices.contains(s),
              let trial = searchTrials(config.strategies[s], plan: tuning, seeds: context.seedTree(planSeed: config.seed)).first(where: { $0.id == t })
        else { throw RecLabError.input("unit \(index) (\(unit.id)) names no trial of the config", file: source) }
        let spec = config.strategies[s]
        return try context.bound {
            let relevance = ExperimentRunner.relevanceRule(config, dataset: dataset)
            let fold = try validationFold(g, foldsPerRepeat: validationFolds / config.repeats, config: config, dataset: dataset,
                                          relevance: relevance, context: context)
            let kind = feedback(spec, config: config, dataset: dataset)
            let trainSet = TrainingSet(dataset: dataset, rows: fold.fold.train, feedback: kind)
            let clock = context.clock
            let start = clock.monotonicNanoseconds()
            // One thread, as the tuner fits each trial: the score does not depend on the thread count.
            let r = Parallel.$scopedThreads.withValue(1) {
                runTrialFold(trial, spec: spec, plan: tuning, fold: fold, index: g, trainSet: trainSet,
                             foldIn: fold.foldInHistory(feedback: kind))
            }
            let seconds = Double(clock.monotonicNanoseconds() &- start) / 1e9
            var result = TuneTrialUnitResult(unit: unit, configHash: config.configHash, datasetHash: dataset.contentHash,
                                             strategy: spec.name, trial: t, fold: g, score: nil, bestIteration: nil, error: nil)
            switch r {
            case .success(let f): result.score = f.score; result.bestIteration = f.bestIteration
            case .failure(let e): result.error = e.message
            }
            context.log.info("\(String(format: "[tune] %@ trial %d, validation fold %d: %@ = %.5f (%.1fs)", spec.name, t, g + 1, tuning.metric.name, result.score ?? .nan, seconds))\(result.error.map { " failed: \($0)" } ?? "")")
            return (result, UnitTiming(fitSeconds: seconds, evalSeconds: 0))
        }
    }

    /// Assembles the partial results of every unit of a checked plan into each trial's outcome (folds in order),
    /// selects each strategy's trial as `reclab tune` does and refits the selections on the test folds, here.
    /// `load(i)` returns unit i's partial result and its timing (nil when not kept: its time counts as 0); each
    /// partial result is untrusted and checked before use. A trial's seconds are the sum of its units' times, a
    /// search's the sum of its trials'.
    public static func gather(_ config: ExperimentConfig, dataset: Dataset, plan: WorkPlan, source: String,
                              context: RunContext = RunContext(),
                              load: (Int) throws -> (result: TuneTrialUnitResult, timing: UnitTiming?)) throws -> ExperimentOutput {
        let validationFolds = try checkPlan(plan, config: config, dataset: dataset, source: source, context: context)
        guard let tuning = config.tuning else { throw RecLabError.input("the config has no 'tune:' block", file: source) }
        let seeds = context.seedTree(planSeed: config.seed)
        return try context.bound {
            var index = 0
            var selected: [StrategySpec] = []
            var records: [StrategyTuning] = []
            for spec in config.strategies {
                var outcomes: [TrialOutcome] = []
                var searchSeconds = 0.0
                for trial in searchTrials(spec, plan: tuning, seeds: seeds) {
                    var folds: [Result<TrialFold, TrialFoldFailure>] = []
                    var seconds = 0.0
                    for g in 0..<validationFolds {
                        let (partial, timing) = try load(index)
                        try check(partial, unit: plan.units[index], strategy: spec.name, trial: trial, fold: g, config: config, dataset: dataset)
                        if let error = partial.error { folds.append(.failure(TrialFoldFailure(message: error))) }
                        else if let score = partial.score { folds.append(.success(TrialFold(score: score, bestIteration: partial.bestIteration))) }
                        seconds += max(0, timing?.fitSeconds ?? 0)
                        index += 1
                    }
                    let o = outcome(of: trial, folds: folds, seconds: seconds)
                    logTrial(o, plan: tuning, context: context)
                    outcomes.append(o)
                    searchSeconds += seconds
                }
                let (record, spec) = select(spec, plan: tuning, outcomes: outcomes, stoppedBy: searchEnd(spec, plan: tuning),
                                            seconds: searchSeconds, context: context)
                records.append(record)
                selected.append(spec)
            }
            return try refit(config, plan: tuning, selected: selected, records: records, dataset: dataset, context: context)
        }
    }

    /// Checks that a partial result belongs to `unit` of this config and data and holds exactly one of a score
    /// and an error (a best iteration only within the trial's cap).
    static func check(_ p: TuneTrialUnitResult, unit: WorkUnit, strategy: String, trial: TuningTrial, fold g: Int,
                      config: ExperimentConfig, dataset: Dataset) throws {
        let source = "partial result of unit \(unit.index) (\(unit.id))"
        func bad(_ what: String) -> RecLabError { RecLabError.input(what + "; run the unit again", file: source) }
        guard p.unit == unit else { throw bad("it is the result of another unit (\(p.unit.id))") }
        guard p.configHash == config.configHash, p.datasetHash == dataset.contentHash else { throw bad("it was computed from another config or dataset") }
        guard p.strategy == strategy, p.trial == trial.id, p.fold == g else {
            throw bad("it names \(SafeName.visible(p.strategy)) trial \(p.trial) fold \(p.fold + 1), the plan \(strategy) trial \(trial.id) fold \(g + 1)")
        }
        guard (p.score == nil) != (p.error == nil) else { throw bad("it holds both or neither of a score and an error") }
        if let i = p.bestIteration {
            guard p.error == nil, i >= 0, i <= (trial.maxIterations ?? 0) else { throw bad("best iteration \(i) outside the trial's 0...\(trial.maxIterations ?? 0)") }
        }
    }
}
