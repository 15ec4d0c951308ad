import Foundation
import RecLabCore

/// The kind of an independent unit of work. Open: a string-backed value rather than a closed enum, so
/// engines added later (A/B truth arm-worlds, tuning trials) declare their own kinds without changing
/// this type; `reclab run-unit` refuses a kind it has no engine for with a clear error.
public struct WorkUnitKind: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// One strategy (grid point) fitted and evaluated on one fold of one repeat of an offline run.
    public static let offlineFold = WorkUnitKind("offline-fold")
    /// One seed (simulation, salt or log) of a `reclab validate` check.
    public static let validateSeed = WorkUnitKind("validate-seed")
    /// One world of an A/B simulation: the experiment itself, or the truth world of one arm (`truth: true`).
    public static let abWorld = WorkUnitKind("ab-world")
    /// One trial of a grid or random search fitted on one validation fold and scored on its validation part.
    public static let tuneTrial = WorkUnitKind("tune-trial")

    public init(from decoder: Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One unit of a plan: its position, a stable id (what is printed when it is missing) and its coordinates
/// in the run it belongs to (for `offline-fold`: `strategy`, `repeat`, `fold`; for `tune-trial`: `strategy`,
/// `trial`, `fold`). Seeds are derived from the
/// config's seed and these coordinates, never from the order units run in.
public struct WorkUnit: Codable, Sendable, Equatable {
    public var index: Int
    public var id: String
    public var kind: WorkUnitKind
    public var coordinates: [String: Int]

    public init(index: Int, id: String, kind: WorkUnitKind, coordinates: [String: Int]) {
        self.index = index; self.id = id; self.kind = kind; self.coordinates = coordinates
    }

    /// A coordinate the unit's kind requires; an input error naming the unit when absent.
    public func coordinate(_ name: String, source: String) throws -> Int {
        guard let v = coordinates[name] else {
            throw RecLabError.input("unit \(index) (\(id)) has no '\(name)' coordinate", file: source)
        }
        return v
    }
}

/// The manifest `reclab plan` writes (PLAN/plan.json): which command and config the units belong to and
/// the list of units. Untrusted when read back: `WorkPlan.decode` checks its format, version and every
/// unit; nothing in it names a file to write (partial results live at fixed names inside the plan
/// folder, chosen by unit index).
public struct WorkPlan: Codable, Sendable, Equatable {
    public static let formatName = "reclab-plan"
    public static let currentVersion = 1
    /// Most units one plan may list (bounds memory and the files of a plan folder).
    public static let maxUnits = 1_000_000

    public var format: String
    public var version: Int
    /// The command the plan shards: `run` (offline), `tune` (a tuned offline run), `validate`.
    public var command: String
    /// The experiment's name (a safe name).
    public var name: String
    /// The config file as given to `reclab plan` (read relative to the folder the commands run in).
    public var configPath: String
    /// SHA-256 of the config text: `run-unit` and `gather` refuse a config that changed since planning.
    public var configHash: String
    /// Content hash of the dataset the config resolved to at planning time.
    public var datasetHash: String
    public var seed: UInt64
    /// The command's own settings (`validate`: check, seeds, retrain, skew), as text.
    public var options: [String: String]?
    public var units: [WorkUnit]

    public init(command: String, name: String, configPath: String, configHash: String, datasetHash: String,
                seed: UInt64, options: [String: String]? = nil, units: [WorkUnit]) {
        format = Self.formatName; version = Self.currentVersion
        self.command = command; self.name = name; self.configPath = configPath; self.configHash = configHash
        self.datasetHash = datasetHash; self.seed = seed; self.options = options; self.units = units
    }

    public func encoded() throws -> Data { try ResultJSON.encoder().encode(self) }

    /// Reads and checks a manifest; `source` names the file in errors.
    public static func decode(_ data: Data, source: String) throws -> WorkPlan {
        let plan: WorkPlan
        do { plan = try ResultJSON.decoder().decode(WorkPlan.self, from: data) } catch let e as DecodingError {
            throw RecLabError.input("not a RecLab plan manifest: \(ResultDocument.describe(e))", file: source)
        } catch {
            throw RecLabError.input("not a RecLab plan manifest: \(error)", file: source)
        }
        guard plan.format == formatName else {
            throw RecLabError.input("format is '\(SafeName.visible(plan.format))', expected '\(formatName)'", file: source)
        }
        guard plan.version == currentVersion else {
            throw RecLabError.input("plan version \(plan.version) is not supported (this reclab reads version \(currentVersion)); plan again", file: source)
        }
        try SafeName.validate(plan.name, what: "plan name", file: source)
        guard plan.configHash.count == 64, plan.configHash.allSatisfy(\.isHexDigit) else {
            throw RecLabError.input("config_hash is not a SHA-256 hex digest", file: source)
        }
        guard !plan.configPath.isEmpty, !plan.configPath.contains("\0") else {
            throw RecLabError.input("config_path is empty or holds a NUL character", file: source)
        }
        guard !plan.units.isEmpty, plan.units.count <= maxUnits else {
            throw RecLabError.input("a plan lists 1 to \(maxUnits) units, this one \(plan.units.count)", file: source)
        }
        var ids = Set<String>()
        for (i, u) in plan.units.enumerated() {
            guard u.index == i else { throw RecLabError.input("unit at position \(i) has index \(u.index); units are listed in index order from 0", file: source) }
            guard u.id.count <= 200, !u.id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw RecLabError.input("unit \(i) has an id longer than 200 characters or with a control character", file: source)
            }
            guard ids.insert(u.id).inserted else { throw RecLabError.input("unit id '\(u.id)' appears twice", file: source) }
        }
        return plan
    }

    /// The result-document JSON settings without the indentation (partial results hold long number arrays).
    public static func compactEncoder() -> JSONEncoder {
        let e = ResultJSON.encoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    /// The file name of unit `index`'s partial result inside the plan folder (fixed, from the index only).
    public static func partialName(_ index: Int) -> String { String(format: "units/unit-%07d.json", index) }
    /// Its timings (kept apart so the partial result itself is the same bytes on every run).
    public static func timingName(_ index: Int) -> String { String(format: "units/unit-%07d.timing.json", index) }
}

/// The measured times of one unit (not a result: they differ between runs).
public struct UnitTiming: Codable, Sendable, Equatable {
    public var fitSeconds: Double
    public var evalSeconds: Double
    public init(fitSeconds: Double, evalSeconds: Double) { self.fitSeconds = fitSeconds; self.evalSeconds = evalSeconds }
}

/// The partial result of one `offline-fold` unit: what the offline runner accumulates from one strategy on
/// one fold, plus what the fold itself contributes (its evaluated users, excluded users, rating rows).
/// Deterministic: the same unit gives the same bytes.
public struct OfflineUnitResult: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable {
        /// Fitted and evaluated.
        case finished
        /// The strategy could not be fitted on this fold (`error` says why).
        case failed
        /// Nothing in the fold can be measured: no strategy is fitted on it.
        case nothingToEvaluate = "nothing-to-evaluate"
    }

    public var unit: WorkUnit
    public var configHash: String
    public var datasetHash: String
    /// Global fold index (repeat-major), as in the fold rows of metrics.json.
    public var fold: Int
    public var trainCount: Int
    public var testCount: Int
    /// Users ranked in this fold (with a relevant test item), ascending.
    public var evalUsers: [Int32]
    public var excludedUsers: Int
    /// The user of each test rating, in test-row order.
    public var ratingUsers: [Int32]
    public var outcome: Outcome
    public var error: String?
    /// Per list metric (metric-major) the value of each evaluated user; NaN where undefined.
    public var rankingValues: [Double]?
    public var catalogueExposure: [[Int]]?
    public var exposure: [Int]?
    /// Per rating metric the loss of each test rating.
    public var ratingLosses: [[Double]]?
    /// False when rating metrics were asked for and the strategy predicts no ratings.
    public var predictsRatings: Bool

    public init(unit: WorkUnit, configHash: String, datasetHash: String, fold: Int, trainCount: Int, testCount: Int,
                evalUsers: [Int32], excludedUsers: Int, ratingUsers: [Int32], outcome: Outcome, error: String? = nil,
                rankingValues: [Double]? = nil, catalogueExposure: [[Int]]? = nil, exposure: [Int]? = nil,
                ratingLosses: [[Double]]? = nil, predictsRatings: Bool = true) {
        self.unit = unit; self.configHash = configHash; self.datasetHash = datasetHash; self.fold = fold
        self.trainCount = trainCount; self.testCount = testCount; self.evalUsers = evalUsers; self.excludedUsers = excludedUsers
        self.ratingUsers = ratingUsers; self.outcome = outcome; self.error = error; self.rankingValues = rankingValues
        self.catalogueExposure = catalogueExposure; self.exposure = exposure; self.ratingLosses = ratingLosses
        self.predictsRatings = predictsRatings
    }

    /// Compact JSON (keys sorted, so the same result is the same bytes): partial results can be large.
    public func encoded() throws -> Data { try WorkPlan.compactEncoder().encode(self) }

    public static func decode(_ data: Data, source: String) throws -> OfflineUnitResult {
        do { return try ResultJSON.decoder().decode(OfflineUnitResult.self, from: data) } catch let e as DecodingError {
            throw RecLabError.input("not a partial result of an offline unit: \(ResultDocument.describe(e))", file: source)
        }
    }
}

/// The partial result of one `validate-seed` unit: what one seed of a `reclab validate` check found. Which
/// fields are set depends on the check (aa/planted: significant metrics; srm: flags; ope: estimates).
public struct ValidationSeedResult: Codable, Sendable, Equatable {
    public var unit: WorkUnit
    public var configHash: String
    public var datasetHash: String
    public var check: String
    /// aa, planted: the metrics with a significant comparison (raw p < alpha), those with a positive lift, and
    /// whether any comparison was Holm-significant.
    public var significant: [String]?
    public var positive: [String]?
    public var anyHolmSignificant: Bool?
    /// srm: analysed users, and whether the correct and the skewed assignment were flagged.
    public var analysedUsers: Int?
    public var flaggedCorrect: Bool?
    public var flaggedSkewed: Bool?
    /// ope: the targets' true values, and per target and estimator the estimate and whether its interval covers
    /// the truth (nil: the estimator gave none).
    public var truths: [Double]?
    public var estimates: [[OPESeedEstimate?]]?

    public struct OPESeedEstimate: Codable, Sendable, Equatable {
        public var value: Double
        public var covered: Bool
        public init(value: Double, covered: Bool) { self.value = value; self.covered = covered }
    }

    public init(unit: WorkUnit, configHash: String, datasetHash: String, check: String) {
        self.unit = unit; self.configHash = configHash; self.datasetHash = datasetHash; self.check = check
    }

    /// Compact JSON (keys sorted, so the same result is the same bytes): partial results can be large.
    public func encoded() throws -> Data { try WorkPlan.compactEncoder().encode(self) }

    public static func decode(_ data: Data, source: String) throws -> ValidationSeedResult {
        do { return try ResultJSON.decoder().decode(ValidationSeedResult.self, from: data) } catch let e as DecodingError {
            throw RecLabError.input("not a partial result of a validate unit: \(ResultDocument.describe(e))", file: source)
        }
    }
}

/// The partial result of one `tune-trial` unit: what one trial of a search gave on one validation fold. The
/// trial itself (parameters, seed, iteration cap) follows from the config and the unit's coordinates, so only
/// the outcome is kept. Deterministic: the same unit gives the same bytes (its time is in the timing file).
public struct TuneTrialUnitResult: Codable, Sendable, Equatable {
    public var unit: WorkUnit
    public var configHash: String
    public var datasetHash: String
    /// The strategy's name and the trial's id (as in the tuning record), and the global validation fold.
    public var strategy: String
    public var trial: Int
    public var fold: Int
    /// The validation score (nan when undefined); nil when the trial could not be fitted or scored (`error`).
    public var score: Double?
    /// Early stopping's best iteration count, for iterative strategies.
    public var bestIteration: Int?
    public var error: String?

    public init(unit: WorkUnit, configHash: String, datasetHash: String, strategy: String, trial: Int, fold: Int,
                score: Double?, bestIteration: Int?, error: String?) {
        self.unit = unit; self.configHash = configHash; self.datasetHash = datasetHash; self.strategy = strategy
        self.trial = trial; self.fold = fold; self.score = score; self.bestIteration = bestIteration; self.error = error
    }

    public func encoded() throws -> Data { try WorkPlan.compactEncoder().encode(self) }

    public static func decode(_ data: Data, source: String) throws -> TuneTrialUnitResult {
        do { return try ResultJSON.decoder().decode(TuneTrialUnitResult.self, from: data) } catch let e as DecodingError {
            throw RecLabError.input("not a partial result of a tuning unit: \(ResultDocument.describe(e))", file: source)
        }
    }
}
