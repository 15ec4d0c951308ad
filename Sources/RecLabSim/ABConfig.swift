import Foundation
import RecLabConfig
import RecLabCore
import RecLabPlan
import RecLabStrategies
import RecLabSynthetic

/// One arm of a simulated A/B test.
public struct ArmSpec: Sendable {
    public var name: String
    /// Strategy type (`StrategyRegistry` name, or `oracle`).
    public var type: String
    public var parameters: Parameters
    public var weight: Double
    /// Probability that a top-picks slot shows a uniformly drawn unseen title instead (epsilon-greedy
    /// exploration; the logged propensity reflects it). 0 = deterministic ranking, propensity 1.
    public var epsilon: Double

    public init(name: String, type: String, parameters: Parameters = Parameters(), weight: Double = 1, epsilon: Double = 0) {
        self.name = name; self.type = type; self.parameters = parameters; self.weight = weight; self.epsilon = epsilon
    }
}

/// Which logged plays an arm's strategy retrains on.
public enum TrainingScope: String, Sendable {
    /// History, the pre-period and the arm's own logged plays: "what if this strategy were shipped".
    case arm
    /// History and every arm's logged plays (data shared across arms, as many production systems do).
    case shared
}

/// The simulation part of an A/B config.
public struct SimulationSettings: Sendable {
    public var seed: UInt64
    /// Days of the experiment (after the pre-period).
    public var days: Int
    /// Days before assignment takes effect (everyone sees the control); their per-user values are CUPED covariates.
    public var preDays: Int
    /// Retrain every N experiment days (0 = fit once at the start).
    public var retrainEvery: Int
    public var trainingScope: TrainingScope
    public var salt: String
    public var holdout: Double
    public var page: PageLayout
    public var arms: [ArmSpec]
    /// Index of the control arm in `arms`.
    public var control: Int
    /// Keep every impression in `SimulationResult.log` (memory: about 30 bytes per impression).
    public var keepLog: Bool
    /// Interleaving (`kind: interleaving`): the strategies team-drafted into one page for every user
    /// (`arms` then holds a single arm); empty for an A/B test.
    public var teams: [ArmSpec] = []
    /// Keep per-user, per-day traces for long-term metrics (retention, days active, cumulative watch time).
    public var longTerm = false
    /// A truth world: every user is served this arm (and only it is fitted); nil = the A/B assignment.
    public var everyoneOn: Int? = nil
    /// Keep the control arm's featured-slot contexts with every arm's pick (OPE beside the A/B test).
    public var featuredLog = false
    /// The strategy types the arms were validated against, and the simulator builds from.
    public var strategies: WorldStrategies

    public init(seed: UInt64, days: Int, preDays: Int = 0, retrainEvery: Int = 1, trainingScope: TrainingScope = .arm,
                salt: String = "reclab", holdout: Double = 0, page: PageLayout = PageLayout(), arms: [ArmSpec],
                control: Int = 0, keepLog: Bool = true, strategies: WorldStrategies = .registryOnly) {
        self.seed = seed; self.days = days; self.preDays = preDays; self.retrainEvery = retrainEvery
        self.trainingScope = trainingScope; self.salt = salt; self.holdout = holdout; self.page = page; self.arms = arms
        self.control = control; self.keepLog = keepLog; self.strategies = strategies
    }
}

/// Analysis settings of an A/B config.
public struct AnalysisSettings: Sendable {
    public var alpha: Double = 0.05
    public var srmThreshold: Double = 0.001
    public var power: Double = 0.8
    public var targetRelativeMDE: Double = 0.05
    /// Apply CUPED with the pre-period as covariate (needs `pre_period_days` > 0).
    public var cuped: Bool = false
    /// Daily looks with a sequential test (`none`: the fixed-horizon analysis only).
    public var sequential: SequentialMethod = .none
    /// The confidence sequence's N* (users where it is tightest); nil = the users assigned to the test.
    public var sequentialTuning: Double? = nil

    public init() {}
}

/// Checks a strategy type and its parameters before any work (unknown types and bad parameters are errors
/// naming the file and line).
func validateStrategy(type: String, parameters: Parameters, node: ConfigNode, strategies: WorldStrategies) throws {
    do {
        guard strategies.typeNames.contains(type) else {
            throw node.error("unknown strategy type '\(type)'; known types: \(strategies.typeNames.joined(separator: ", "))")
        }
        try strategies.validate(type: type, parameters: parameters)
    } catch var e as RecLabError {
        // A parameter error names the bare parameter; give its full path (`arms[1].params.lambda`).
        if let key = e.key, parameters.values[key] != nil {
            let owner = node.path.split(separator: ".").dropLast().joined(separator: ".")
            e.key = owner.isEmpty ? "params.\(key)" : "\(owner).params.\(key)"
        }
        throw e.located(file: node.file, line: node.line)
    }
}

/// A parsed `reclab simulate` config.
public struct ABConfig: Sendable {
    public var name: String
    public var dataset: DatasetBlock
    public var simulation: SimulationSettings
    public var analysis: AnalysisSettings
    /// `truth: true`: besides the experiment, one counterfactual world per arm (every user on that arm) for the
    /// true effect of shipping it (`TruthWorlds`).
    public var truth = false
    /// `long_term: true`: long-term metrics and per-day lifts even in a world without user dynamics (on by
    /// default when the world has dynamics, and with `truth`).
    public var longTerm = false

    /// Reads and validates a config (strategies included); every error names the file, line and key.
    /// Range of `days`, `pre_period_days` (from 0) and `retrain_every` (from 0): ten years of simulated days.
    public static let maxDays = 3650
    /// Most arms, and most rows on the page.
    public static let maxArms = 20
    public static let maxPageRows = 20
    /// Range of an arm's `weight` (relative traffic).
    public static let weightRange = 1e-6...1e6
    /// Range of `analysis.target_relative_mde`.
    public static let targetRelativeMDERange = 1e-6...100.0

    /// `strategies`: the types arms may name (the application layer's `SimulationStrategies.catalogue`).
    public static func parse(_ text: String, file: String?, strategies: WorldStrategies) throws -> ABConfig {
        let root = try ConfigNode.parse(text, file: file).map()
        try SimulationKind.expect(.ab, in: root)
        // name (the default output folder reports/ab/<name>), seed and dataset: the header every config kind shares.
        let header = try ConfigHeader.read(root, what: "the A/B test name", simulatesWorld: true)
        let (name, seed, dataset) = (header.name, header.seed, header.dataset)

        func positiveInt(_ key: String, _ def: Int, min lower: Int = 1, max upper: Int = maxDays) throws -> Int {
            guard let n = root.optional(key) else { return def }
            let v = try n.int()
            guard v >= lower && v <= upper else { throw n.error("must be in \(lower)...\(upper), got \(v)") }
            return v
        }
        func unitDouble(_ map: ConfigMap, _ key: String, _ def: Double, open: Bool = true, positive: Bool = false) throws -> Double {
            guard let n = map.optional(key) else { return def }
            let v = try n.double()
            guard (positive ? v > 0 : v >= 0) && (open ? v < 1 : v <= 1) else {
                throw n.error("must be in \(positive ? "(" : "[")0, 1\(open ? ")" : "]"), got \(v)")
            }
            return v
        }
        let days = try positiveInt("days", 14)
        let preDays = try positiveInt("pre_period_days", 0, min: 0)
        let retrain = try positiveInt("retrain_every", 1, min: 0)
        var scope = TrainingScope.arm
        if let n = root.optional("training_data") {
            guard let s = TrainingScope(rawValue: try n.string()) else { throw n.error("expected 'arm' or 'shared'") }
            scope = s
        }
        let salt = try root.string("salt") ?? name
        let truth = try root.bool("truth") ?? false
        let longTerm = try root.bool("long_term") ?? false
        let holdout = try unitDouble(root, "holdout", 0)

        let page = try parsePage(root)
        let armsNode = try root.required("arms")
        let armList = try armsNode.list()
        guard armList.count >= 2 else { throw armsNode.error("an A/B test needs at least two arms") }
        guard armList.count <= maxArms else { throw armsNode.error("at most \(maxArms) arms, got \(armList.count)") }
        var arms: [ArmSpec] = []
        var controlIndex: Int?
        var names = Set<String>()
        for node in armList {
            let a = try node.map()
            let nameNode = try a.required("name")
            let armName = try SafeName.validate(try nameNode.string(), what: "the arm name", file: nameNode.file,
                                                line: nameNode.line, key: nameNode.path)
            guard names.insert(armName).inserted else { throw nameNode.error("arm names must be unique: '\(armName)' is used twice") }
            let typeNode = try a.required("strategy")
            let type = try typeNode.string()
            var params = Parameters(file: file)
            if let pn = a.optional("params") {
                let pm = try pn.map()
                for e in pm.entriesAll() {
                    params.values[e.key] = try e.node.paramValue()
                    params.lines[e.key] = e.line
                }
            }
            let weight = try a.double("weight") ?? 1
            guard weightRange.contains(weight) else {
                throw (a.optional("weight") ?? node).error("weight must be in \(weightRange.lowerBound)...\(weightRange.upperBound), got \(weight)")
            }
            let epsilon = try unitDouble(a, "epsilon", 0, open: false)
            if let cn = a.optional("control"), try cn.bool() {
                if controlIndex != nil { throw cn.error("only one arm can be the control") }
                controlIndex = arms.count
            }
            try a.finish()
            try validateStrategy(type: type, parameters: params, node: typeNode, strategies: strategies)
            arms.append(ArmSpec(name: armName, type: type, parameters: params, weight: weight, epsilon: epsilon))
        }

        var analysis = AnalysisSettings()
        if let an = root.optional("analysis") {
            let a = try an.map()
            // Open intervals: the power calculation is undefined at alpha or power 0.
            analysis.alpha = try unitDouble(a, "alpha", analysis.alpha, positive: true)
            analysis.srmThreshold = try unitDouble(a, "srm_threshold", analysis.srmThreshold, positive: true)
            analysis.power = try unitDouble(a, "power", analysis.power, positive: true)
            if let n = a.optional("target_relative_mde") {
                analysis.targetRelativeMDE = try n.double()
                guard targetRelativeMDERange.contains(analysis.targetRelativeMDE) else {
                    throw n.error("must be in \(targetRelativeMDERange.lowerBound)...\(targetRelativeMDERange.upperBound), got \(analysis.targetRelativeMDE)")
                }
            }
            analysis.cuped = try a.bool("cuped") ?? false
            if analysis.cuped && preDays == 0 {
                throw (a.optional("cuped") ?? an).error("CUPED needs a pre-period: set pre_period_days > 0")
            }
            (analysis.sequential, analysis.sequentialTuning) = try SequentialMethod.parse(a)
            try a.finish()
        }
        try root.finish()

        let settings = SimulationSettings(seed: seed, days: days, preDays: preDays, retrainEvery: retrain, trainingScope: scope,
                                          salt: salt, holdout: holdout, page: page, arms: arms, control: controlIndex ?? 0,
                                          strategies: strategies)
        var config = ABConfig(name: name, dataset: dataset, simulation: settings, analysis: analysis)
        config.truth = truth; config.longTerm = longTerm
        return config
    }
}
