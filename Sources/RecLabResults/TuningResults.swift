import Foundation

// The tuning record of a tuned offline run (`tuning` in metrics.json): every trial on validation data, the
// selection, and how the search ended. The test results of the selected parameters are the run's ordinary
// `results`, so reports, the store and the regression gate read a tuned run like any other.

/// How a tuned run chose its parameters.
public struct TuningRecord: Codable, Sendable, Equatable {
    /// The target metric (as in `results`) and its direction.
    public var metric: String
    public var lowerIsBetter: Bool
    /// grid, random or halving.
    public var method: String
    /// Trials per strategy (configurations for halving); nil for a grid searched in full.
    public var trialsBudget: Int?
    /// Wall-clock seconds per strategy; set only when the config gave one (the search is then nondeterministic).
    public var secondsBudget: Double?
    /// Early stopping of iterative strategies: validation checks without improvement before stopping.
    public var patience: Int
    /// How validation data was carved from each training fold.
    public var validation: String
    public var strategies: [StrategyTuning]

    public init(metric: String, lowerIsBetter: Bool, method: String, trialsBudget: Int?, secondsBudget: Double?, patience: Int,
                validation: String, strategies: [StrategyTuning]) {
        self.metric = metric; self.lowerIsBetter = lowerIsBetter; self.method = method; self.trialsBudget = trialsBudget
        self.secondsBudget = secondsBudget; self.patience = patience; self.validation = validation; self.strategies = strategies
    }
}

/// One searched parameter as the config gave it.
public struct SearchAxisRecord: Codable, Sendable, Equatable {
    public var parameter: String
    /// `[20, 50]`, `range 0…100` or `log 10…10000`.
    public var domain: String

    public init(parameter: String, domain: String) { self.parameter = parameter; self.domain = domain }
}

/// The search of one strategy.
public struct StrategyTuning: Codable, Sendable, Equatable {
    /// The strategy's name in `strategies` and `results`.
    public var strategy: String
    public var type: String
    public var space: [SearchAxisRecord]
    public var trials: [TrialRecord]
    /// The trial selected (best mean validation score; ties to the lower id), nil when no trial finished.
    public var selectedTrial: Int?
    /// The parameters refitted on each whole training fold and tested (iteration counts as early stopping found them).
    public var selected: [String: String]
    /// `trials`, `grid`, `seconds` (the wall-clock budget ran out first) or `defaults` (nothing to search).
    public var stoppedBy: String
    /// Wall-clock seconds the search took.
    public var seconds: Double

    public init(strategy: String, type: String, space: [SearchAxisRecord], trials: [TrialRecord], selectedTrial: Int?,
                selected: [String: String], stoppedBy: String, seconds: Double) {
        self.strategy = strategy; self.type = type; self.space = space; self.trials = trials; self.selectedTrial = selectedTrial
        self.selected = selected; self.stoppedBy = stoppedBy; self.seconds = seconds
    }
}

/// One trial: a parameter point fitted on every validation fold's training part and scored on its validation part.
public struct TrialRecord: Codable, Sendable, Equatable {
    public var id: Int
    /// Successive-halving rung (0 first); nil for grid and random search.
    public var rung: Int?
    public var parameters: [String: String]
    /// The trial's fitting seed, derived from (config seed, strategy, trial id).
    public var seed: UInt64
    /// Mean validation score over the folds (nan when undefined or the fit failed).
    public var score: Double
    public var foldScores: [Double]
    /// Iteration cap, and the iterations that scored best under early stopping (per fold), for iterative strategies.
    public var maxIterations: Int?
    public var bestIterations: [Int]?
    public var seconds: Double
    /// Why the trial has no score, when it failed.
    public var error: String?

    public init(id: Int, rung: Int?, parameters: [String: String], seed: UInt64, score: Double, foldScores: [Double],
                maxIterations: Int?, bestIterations: [Int]?, seconds: Double, error: String? = nil) {
        self.id = id; self.rung = rung; self.parameters = parameters; self.seed = seed; self.score = score
        self.foldScores = foldScores; self.maxIterations = maxIterations; self.bestIterations = bestIterations
        self.seconds = seconds; self.error = error
    }
}
