import Foundation
import RecLabCore

// The documents `reclab run` (metrics.json), `reclab simulate` (ab.json) and `reclab ope` (ope.json) write.
// One set of Codable types serves the writers (Eval, Sim), the results store, reports and the
// regression gate, so the schema lives in exactly one place (this module, which depends on Core only).
// Keys are snake_case in JSON.

/// Where a result came from: enough to reproduce it.
public struct Provenance: Codable, Sendable, Equatable {
    public var configPath: String?
    /// SHA-256 of the config file's text.
    public var configHash: String
    public var configText: String
    public var seed: UInt64
    public var reclabVersion: String
    public var gitCommit: String?
    /// ISO 8601, UTC; nil in documents that must be byte-identical across reruns (ab.json), where
    /// the results store keeps the time instead.
    public var createdAt: String?
    public var dataset: DatasetCard

    public init(configPath: String?, configHash: String, configText: String, seed: UInt64, reclabVersion: String,
                gitCommit: String?, createdAt: String?, dataset: DatasetCard) {
        self.configPath = configPath; self.configHash = configHash; self.configText = configText; self.seed = seed
        self.reclabVersion = reclabVersion; self.gitCommit = gitCommit; self.createdAt = createdAt; self.dataset = dataset
    }
}

/// What a report says about the data: counts, content hash, and the two distributions it charts.
public struct DatasetCard: Codable, Sendable, Equatable {
    public var name: String
    public var source: String
    public var contentHash: String
    public var users: Int
    public var movies: Int
    public var interactions: Int
    public var ratings: Int
    /// Rating value (as text, e.g. "4.5") -> count.
    public var ratingHistogram: [String: Int]
    /// Interactions per movie, sorted descending (the long tail), movies with none omitted.
    public var interactionsPerMovie: [Int]
    /// True when the data is synthetic or semi-synthetic (ground truth fitted on real data).
    public var synthetic: Bool

    public init(name: String, source: String, contentHash: String, users: Int, movies: Int, interactions: Int,
                ratings: Int, ratingHistogram: [String: Int], interactionsPerMovie: [Int], synthetic: Bool) {
        self.name = name; self.source = source; self.contentHash = contentHash; self.users = users; self.movies = movies
        self.interactions = interactions; self.ratings = ratings; self.ratingHistogram = ratingHistogram
        self.interactionsPerMovie = interactionsPerMovie; self.synthetic = synthetic
    }
}

extension DatasetCard {
    /// The card of an in-memory dataset: counts, rating histogram (ratings to one decimal) and the long
    /// tail of interactions per movie. O(interactions + movies log movies).
    public init(summarizing d: Dataset, synthetic: Bool) {
        // Counted by exact value first, formatted once per distinct value: formatting every rating took a minute
        // on 34M ratings. Distinct values that print alike (3.04 and 3.0) share their bucket, as before.
        var byValue: [Float: Int] = [:]
        for r in d.ratings where !r.isNaN { byValue[r, default: 0] += 1 }
        var histogram: [String: Int] = [:]
        for (value, count) in byValue { histogram[String(format: "%.1f", Double(value)), default: 0] += count }
        var perMovie = [Int](repeating: 0, count: d.itemCount)
        for i in d.items { perMovie[Int(i)] += 1 }
        self.init(name: d.name, source: d.source, contentHash: d.contentHash, users: d.userCount, movies: d.itemCount,
                  interactions: d.interactionCount, ratings: d.ratingCount, ratingHistogram: histogram,
                  interactionsPerMovie: perMovie.filter { $0 > 0 }.sorted(by: >), synthetic: synthetic)
    }
}

/// A metric's mean over users with its 95% confidence interval.
public struct MetricSummary: Codable, Sendable, Equatable {
    public var mean: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// Users (or other units) the mean is over.
    public var n: Int

    public init(mean: Double, ciLow: Double, ciHigh: Double, n: Int) {
        self.mean = mean; self.ciLow = ciLow; self.ciHigh = ciHigh; self.n = n
    }
}

// MARK: - Offline evaluation (metrics.json)

public struct OfflineResults: Codable, Sendable {
    public var kind: String = "offline"
    public var runId: String
    public var name: String
    public var provenance: Provenance
    public var split: SplitDescription
    /// Ratings at or above this are relevant; nil means every test interaction is relevant (implicit data).
    public var relevanceThreshold: Double?
    public var strategies: [StrategyRun]
    /// One row per strategy x metric (x fold, where `fold` is set; fold nil = over all folds).
    public var results: [MetricResult]
    /// Paired comparisons between strategies per metric.
    public var comparisons: [PairedComparison]
    /// Per strategy: how often each item was recommended in the top-`exposureK` lists of all users
    /// (item order = dataset item order), for coverage, Gini and Lorenz curves.
    public var exposureK: Int?
    public var exposure: [String: [Int]]
    /// Users excluded because they had no relevant test item, per fold.
    public var excludedUsers: Int
    /// Strategies that failed (not in `strategies` or `results`), with their errors. Nil, and absent from
    /// the JSON, when every strategy finished, so complete runs keep their exact bytes.
    public var failures: [StrategyFailure]?
    /// How a tuned run (`tune:`) selected each strategy's parameters on validation data; nil, and absent from
    /// the JSON, for untuned runs.
    public var tuning: TuningRecord?

    public init(runId: String, name: String, provenance: Provenance, split: SplitDescription, relevanceThreshold: Double?,
                strategies: [StrategyRun], results: [MetricResult], comparisons: [PairedComparison],
                exposureK: Int?, exposure: [String: [Int]], excludedUsers: Int, failures: [StrategyFailure]? = nil,
                tuning: TuningRecord? = nil) {
        self.runId = runId; self.name = name; self.provenance = provenance; self.split = split
        self.relevanceThreshold = relevanceThreshold; self.strategies = strategies; self.results = results
        self.comparisons = comparisons; self.exposureK = exposureK; self.exposure = exposure; self.excludedUsers = excludedUsers
        self.failures = failures
        self.tuning = tuning
    }
}

/// A strategy of an offline run that could not be fitted: the run records the others and exits non-zero.
public struct StrategyFailure: Codable, Sendable, Equatable {
    public var strategy: String
    public var type: String
    /// The fold (0-based, as `MetricResult.fold`) in which it failed; later folds were not attempted.
    public var fold: Int
    /// The error, with the config file and line of the strategy.
    public var error: String

    public init(strategy: String, type: String, fold: Int, error: String) {
        self.strategy = strategy; self.type = type; self.fold = fold; self.error = error
    }
}

public struct SplitDescription: Codable, Sendable, Equatable {
    /// `holdout`, `kfold`, `user-temporal`, `global-temporal`, `predefined`.
    public var method: String
    public var parameters: [String: String]
    public var folds: Int

    public init(method: String, parameters: [String: String], folds: Int) {
        self.method = method; self.parameters = parameters; self.folds = folds
    }
}

public struct StrategyRun: Codable, Sendable, Equatable {
    /// The name in the config (unique in a run; grid points get a suffix such as `als[factors=64]`).
    public var name: String
    public var type: String
    public var parameters: [String: String]
    /// Mean over folds.
    public var fitSeconds: Double
    public var evalSeconds: Double

    public init(name: String, type: String, parameters: [String: String], fitSeconds: Double, evalSeconds: Double) {
        self.name = name; self.type = type; self.parameters = parameters; self.fitSeconds = fitSeconds; self.evalSeconds = evalSeconds
    }
}

public struct MetricResult: Codable, Sendable, Equatable {
    public var strategy: String
    /// Full metric name as in configs: `ndcg@10`, `rmse`.
    public var metric: String
    /// Base name (`ndcg`) and cutoff (10, nil for rmse/mae).
    public var base: String
    public var k: Int?
    public var fold: Int?
    public var mean: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var nUsers: Int
    /// True when lower values are better (rmse, mae, popularity, gini).
    public var lowerIsBetter: Bool

    public init(strategy: String, metric: String, base: String, k: Int?, fold: Int?, mean: Double, ciLow: Double,
                ciHigh: Double, nUsers: Int, lowerIsBetter: Bool) {
        self.strategy = strategy; self.metric = metric; self.base = base; self.k = k; self.fold = fold; self.mean = mean
        self.ciLow = ciLow; self.ciHigh = ciHigh; self.nUsers = nUsers; self.lowerIsBetter = lowerIsBetter
    }
}

public struct PairedComparison: Codable, Sendable, Equatable {
    public var metric: String
    public var a: String
    public var b: String
    /// Mean of per-user (a - b).
    public var difference: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var tP: Double
    public var wilcoxonP: Double
    /// Holm-adjusted (over all comparisons of the run) Wilcoxon p-value.
    public var pAdjusted: Double
    public var significant: Bool
    public var nUsers: Int

    public init(metric: String, a: String, b: String, difference: Double, ciLow: Double, ciHigh: Double, tP: Double,
                wilcoxonP: Double, pAdjusted: Double, significant: Bool, nUsers: Int) {
        self.metric = metric; self.a = a; self.b = b; self.difference = difference; self.ciLow = ciLow; self.ciHigh = ciHigh
        self.tP = tP; self.wilcoxonP = wilcoxonP; self.pAdjusted = pAdjusted; self.significant = significant; self.nUsers = nUsers
    }
}

// MARK: - A/B simulation (ab.json)

public struct ABResults: Codable, Sendable {
    public var kind: String = "ab"
    public var runId: String
    public var name: String
    public var provenance: Provenance
    public var days: Int
    public var alpha: Double
    public var control: String
    /// "synthetic" or "semi-synthetic" (ground truth fitted on imported data).
    public var world: String
    public var arms: [ABArm]
    public var comparisons: [ABComparison]
    public var srm: SRMResult
    public var power: [PowerResult]
    /// Present when CUPED was configured.
    public var cuped: [CUPEDResult]?
    public var daily: [DailyArmMetrics]
    /// Undefined (nan) comparisons or checks, in words. Nil, and absent from the JSON, when there are none.
    public var warnings: [String]?
    /// Daily looks with a sequential test (`analysis.sequential`). Nil, and absent from the JSON, when not configured.
    public var sequential: SequentialResults?
    /// Long-term metrics over time (retention, days active, cumulative watch time), per-day lifts and decision
    /// flips; present when the world has user dynamics or the config asks for `long_term` or `truth`.
    public var longTerm: LongTermResults?
    /// The counterfactual worlds (`truth: true`): every estimate beside the true effect of shipping each arm.
    public var truth: TruthResults?

    public init(runId: String, name: String, provenance: Provenance, days: Int, alpha: Double, control: String, world: String,
                arms: [ABArm], comparisons: [ABComparison], srm: SRMResult, power: [PowerResult], cuped: [CUPEDResult]?,
                daily: [DailyArmMetrics]) {
        self.runId = runId; self.name = name; self.provenance = provenance; self.days = days; self.alpha = alpha
        self.control = control; self.world = world; self.arms = arms; self.comparisons = comparisons; self.srm = srm
        self.power = power; self.cuped = cuped; self.daily = daily
    }
}

public struct ABArm: Codable, Sendable, Equatable {
    public var name: String
    public var strategy: String
    public var parameters: [String: String]
    public var weight: Double
    public var users: Int
    /// Metric name (`ctr`, `plays_per_visit`, `watch_minutes_per_user`, `completion_rate`, `coverage`,
    /// `gini`, `novelty`, ...) -> summary over users.
    public var metrics: [String: MetricSummary]
    /// Impressions per item over the whole test (item order = dataset item order).
    public var exposure: [Int]

    public init(name: String, strategy: String, parameters: [String: String], weight: Double, users: Int,
                metrics: [String: MetricSummary], exposure: [Int]) {
        self.name = name; self.strategy = strategy; self.parameters = parameters; self.weight = weight; self.users = users
        self.metrics = metrics; self.exposure = exposure
    }
}

public struct ABComparison: Codable, Sendable, Equatable {
    public var metric: String
    public var arm: String
    public var control: String
    /// Absolute lift (arm - control) and relative lift ((arm - control) / control).
    public var lift: Double
    public var relLift: Double
    /// CI of the absolute lift.
    public var ciLow: Double
    public var ciHigh: Double
    /// CI of the relative lift.
    public var relCiLow: Double
    public var relCiHigh: Double
    public var pValue: Double
    /// Holm-adjusted over arms x metrics.
    public var pAdjusted: Double
    public var significant: Bool
    /// `welch` (per-user means) or `delta` (ratio metrics).
    public var method: String

    public init(metric: String, arm: String, control: String, lift: Double, relLift: Double, ciLow: Double, ciHigh: Double,
                relCiLow: Double, relCiHigh: Double, pValue: Double, pAdjusted: Double, significant: Bool, method: String) {
        self.metric = metric; self.arm = arm; self.control = control; self.lift = lift; self.relLift = relLift
        self.ciLow = ciLow; self.ciHigh = ciHigh; self.relCiLow = relCiLow; self.relCiHigh = relCiHigh
        self.pValue = pValue; self.pAdjusted = pAdjusted; self.significant = significant; self.method = method
    }
}

public struct SRMResult: Codable, Sendable, Equatable {
    public var chi2: Double
    public var pValue: Double
    /// False when p < threshold: the assignment is broken and the results are not to be trusted.
    public var ok: Bool
    public var threshold: Double
    public var observed: [String: Int]
    public var expected: [String: Double]

    public init(chi2: Double, pValue: Double, ok: Bool, threshold: Double, observed: [String: Int], expected: [String: Double]) {
        self.chi2 = chi2; self.pValue = pValue; self.ok = ok; self.threshold = threshold; self.observed = observed; self.expected = expected
    }
}

public struct PowerResult: Codable, Sendable, Equatable {
    public var metric: String
    public var arm: String
    /// Minimum detectable absolute effect at the configured alpha and power for the observed variance and sample.
    public var mde: Double
    public var relativeMde: Double
    /// Users per arm needed to detect `targetRelativeMde`.
    public var targetRelativeMde: Double
    public var usersNeeded: Int

    public init(metric: String, arm: String, mde: Double, relativeMde: Double, targetRelativeMde: Double, usersNeeded: Int) {
        self.metric = metric; self.arm = arm; self.mde = mde; self.relativeMde = relativeMde
        self.targetRelativeMde = targetRelativeMde; self.usersNeeded = usersNeeded
    }
}

public struct CUPEDResult: Codable, Sendable, Equatable {
    public var metric: String
    public var theta: Double
    /// 1 - Var(adjusted) / Var(raw).
    public var varianceReduction: Double
    public var comparisons: [ABComparison]

    public init(metric: String, theta: Double, varianceReduction: Double, comparisons: [ABComparison]) {
        self.metric = metric; self.theta = theta; self.varianceReduction = varianceReduction; self.comparisons = comparisons
    }
}

public struct DailyArmMetrics: Codable, Sendable, Equatable {
    public var day: Int
    public var arm: String
    public var visits: Int
    public var impressions: Int
    public var plays: Int
    /// Metric name -> that day's summary over the arm's visiting users (ctr, plays_per_visit,
    /// watch_minutes_per_user, completion_rate), with CIs for the bands in charts.
    public var metrics: [String: MetricSummary]
    /// Exposure concentration and catalogue coverage of that day's impressions.
    public var gini: Double
    public var coverage: Double

    public init(day: Int, arm: String, visits: Int, impressions: Int, plays: Int, metrics: [String: MetricSummary],
                gini: Double, coverage: Double) {
        self.day = day; self.arm = arm; self.visits = visits; self.impressions = impressions; self.plays = plays
        self.metrics = metrics; self.gini = gini; self.coverage = coverage
    }
}

// MARK: - Off-policy evaluation (ope.json)

public struct OPEResults: Codable, Sendable {
    public var kind: String = "ope"
    public var runId: String
    public var name: String
    public var provenance: Provenance
    public var loggingPolicy: String
    public var logSize: Int
    public var targets: [OPETarget]

    public init(runId: String, name: String, provenance: Provenance, loggingPolicy: String, logSize: Int, targets: [OPETarget]) {
        self.runId = runId; self.name = name; self.provenance = provenance; self.loggingPolicy = loggingPolicy
        self.logSize = logSize; self.targets = targets
    }
}

public struct OPETarget: Codable, Sendable, Equatable {
    public var policy: String
    /// Value measured by running the policy on-policy in the same world.
    public var trueValue: Double
    public var trueCiLow: Double
    public var trueCiHigh: Double
    /// `replay`, `ips`, `snips`, `dm`, `dr`.
    public var estimates: [OPEEstimate]

    public init(policy: String, trueValue: Double, trueCiLow: Double, trueCiHigh: Double, estimates: [OPEEstimate]) {
        self.policy = policy; self.trueValue = trueValue; self.trueCiLow = trueCiLow; self.trueCiHigh = trueCiHigh; self.estimates = estimates
    }
}

public struct OPEEstimate: Codable, Sendable, Equatable {
    public var estimator: String
    public var value: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// Log entries the estimate used (replay keeps only matches).
    public var n: Int

    public init(estimator: String, value: Double, ciLow: Double, ciHigh: Double, n: Int) {
        self.estimator = estimator; self.value = value; self.ciLow = ciLow; self.ciHigh = ciHigh; self.n = n
    }
}

// MARK: - JSON coding

public enum ResultJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        // NaN/inf (an undefined statistic) are written as strings rather than failing the whole run.
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Deterministic run id: the same config, data and seed give the same id, so recording a rerun
    /// replaces the earlier record instead of piling up copies.
    public static func runId(kind: String, configHash: String, datasetHash: String, seed: UInt64) -> String {
        kind + "-" + String(SHA256.hexDigest("\(kind)|\(configHash)|\(datasetHash)|\(seed)").prefix(12))
    }

    /// Checks a run id read back from a result document or a store. RecLab writes `KIND-HEX`; the id
    /// names the default report folder (reports/<run id>), so an edited `run_id: "../../x"` is refused.
    public static func checkRunId(_ runId: String, source: String) throws {
        if let problem = SafeName.problem(runId) {
            throw RecLabError(.input, "run id \(SafeName.printable(runId)) \(problem); a run id must be \(SafeName.rule)",
                              file: source, key: "run_id")
        }
    }

    /// The `kind` field of a result document (`offline`, `ab`, `ope`), or nil if it is not one.
    public static func kind(of data: Data) -> String? {
        try? documentKind(of: data, source: "")
    }

    /// The `kind` field of a result document, or an input error naming `source` that tells a file that is
    /// not JSON (empty, truncated: with the parser's own message) from JSON that is not a result document.
    public static func documentKind(of data: Data, source: String) throws -> String {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw RecLabError.input(data.isEmpty ? "the file is empty; expected a result document (metrics.json, ab.json or ope.json)"
                                    : "invalid JSON (truncated or edited by hand?): \(detail)", file: source)
        }
        guard let kind = (object as? [String: Any])?["kind"] as? String else {
            throw RecLabError.input("not a RecLab result document (no \"kind\" field; expected metrics.json, ab.json or ope.json)", file: source)
        }
        return kind
    }
}
