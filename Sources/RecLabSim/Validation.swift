import Foundation
import RecLabCore
import RecLabResults

/// Repeated-seed checks that the simulation and its statistics behave as they claim.
public enum Validation {
    /// Per metric: how often a comparison was significant (raw p < alpha), and in which direction.
    public struct RateTable: Sendable {
        public var seeds: Int
        public var significant: [String: Int] = [:]
        public var positive: [String: Int] = [:]
        /// Runs with at least one Holm-significant comparison (family-wise).
        public var anyHolmSignificant = 0

        public func rate(_ metric: String) -> Double { Double(significant[metric, default: 0]) / Double(max(seeds, 1)) }
    }

    /// A/A: every arm runs the control's strategy; over `seeds` simulations (seed and salt varied) the share
    /// of significant comparisons per metric estimates the false-positive rate (should be about alpha).
    public static func aa(config: ABConfig, world: LoadedWorld, seeds: Int, retrain: Bool,
                          progress: ProgressReporter? = nil) throws -> RateTable {
        try repeated(config: config, settings: aaSettings(config, retrain: retrain), world: world, seeds: seeds, progress: progress)
    }

    /// Planted effect: the control against an oracle ranking by true affinity.
    public static func planted(config: ABConfig, world: LoadedWorld, seeds: Int, retrain: Bool,
                               progress: ProgressReporter? = nil) throws -> RateTable {
        try repeated(config: config, settings: plantedSettings(config, retrain: retrain), world: world, seeds: seeds, progress: progress)
    }

    /// The A/A simulation: the control against a copy of itself.
    public static func aaSettings(_ config: ABConfig, retrain: Bool) -> SimulationSettings {
        var s = config.simulation
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: control.name + "-copy", type: control.type, parameters: control.parameters)]
        s.control = 0
        if !retrain { s.retrainEvery = 0 }
        return s
    }

    /// The planted-effect simulation: the control against the oracle.
    public static func plantedSettings(_ config: ABConfig, retrain: Bool) throws -> SimulationSettings {
        var s = config.simulation
        guard s.strategies.worldType(named: OracleRecommender.typeName) != nil else {
            throw RecLabError.usage("the planted-effect validation needs the '\(OracleRecommender.typeName)' world strategy, which this run's catalogue does not register")
        }
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: "oracle", type: OracleRecommender.typeName)]
        s.control = 0
        if !retrain { s.retrainEvery = 0 }
        return s
    }

    /// What one seed of an A/A or planted validation found: the metrics with a significant comparison (raw p),
    /// those of them with a positive lift, and whether any comparison was Holm-significant.
    public struct RateSeed: Sendable, Equatable {
        public var significant: [String]
        public var positive: [String]
        public var anyHolmSignificant: Bool
        public init(significant: [String], positive: [String], anyHolmSignificant: Bool) {
            self.significant = significant; self.positive = positive; self.anyHolmSignificant = anyHolmSignificant
        }
    }

    /// Seed `k` of a repeated validation: its simulation seed and salt come from the settings' and `k` only.
    public static func rateSeed(config: ABConfig, settings: SimulationSettings, world: LoadedWorld, k: Int) throws -> RateSeed {
        var s = settings
        s.seed = settings.seed &+ UInt64(k) &* 7919
        s.salt = "\(settings.salt)-validate-\(k)"
        s.keepLog = false
        let r = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: s).run()
        let out = ABAnalysis.analyse(r, settings: s, analysis: config.analysis)
        var seed = RateSeed(significant: [], positive: [], anyHolmSignificant: out.comparisons.contains(where: \.significant))
        for c in out.comparisons where c.pValue < config.analysis.alpha {
            seed.significant.append(c.metric)
            if c.lift > 0 { seed.positive.append(c.metric) }
        }
        for cu in out.cuped ?? [] {
            for c in cu.comparisons where c.pValue < config.analysis.alpha {
                seed.significant.append("cuped:" + c.metric)
                if c.lift > 0 { seed.positive.append("cuped:" + c.metric) }
            }
        }
        return seed
    }

    /// Adds one seed's findings to a table.
    public static func add(_ seed: RateSeed, to table: inout RateTable) {
        for m in seed.significant { table.significant[m, default: 0] += 1 }
        for m in seed.positive { table.positive[m, default: 0] += 1 }
        if seed.anyHolmSignificant { table.anyHolmSignificant += 1 }
    }

    static func repeated(config: ABConfig, settings: SimulationSettings, world: LoadedWorld, seeds: Int,
                         progress: ProgressReporter?) throws -> RateTable {
        var table = RateTable(seeds: seeds)
        for k in 0..<seeds {
            add(try rateSeed(config: config, settings: settings, world: world, k: k), to: &table)
            progress?.advance()
        }
        progress?.finish()
        return table
    }

    public struct SRMReport: Sendable {
        public var seeds: Int
        public var skew: Double
        /// Runs flagged with the hash assignment as is (should be about the threshold, 0.1%).
        public var flaggedCorrect: Int
        /// Runs flagged after losing `skew` of the treatment arm's users (a logging or redirect bug).
        public var flaggedSkewed: Int
        public var meanUsers: Double
    }

    /// SRM: one A/A simulation without retraining (so outcomes do not depend on the arm), reassigned with
    /// `seeds` salts; each assignment is checked as is and with a share `skew` of the treatment users dropped.
    public static func srm(config: ABConfig, world: LoadedWorld, seeds: Int, skew: Double) throws -> SRMReport {
        let base = try srmBase(config: config, world: world)
        var report = SRMReport(seeds: seeds, skew: skew, flaggedCorrect: 0, flaggedSkewed: 0, meanUsers: 0)
        for k in 0..<seeds { add(srmSeed(config: config, world: world, base: base, k: k, skew: skew), to: &report) }
        return report
    }

    /// The one simulation every salt of the SRM check reassigns.
    public static func srmBase(config: ABConfig, world: LoadedWorld) throws -> SimulationResult {
        var s = config.simulation
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: control.name + "-copy", type: control.type, parameters: control.parameters)]
        s.control = 0; s.retrainEvery = 0; s.holdout = 0; s.keepLog = false
        return try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: s).run()
    }

    /// What salt `k` of the SRM check found: analysed users, and whether the correct and the skewed assignment
    /// were flagged.
    public struct SRMSeed: Sendable, Equatable {
        public var analysedUsers: Int
        public var flaggedCorrect: Bool
        public var flaggedSkewed: Bool
        public init(analysedUsers: Int, flaggedCorrect: Bool, flaggedSkewed: Bool) {
            self.analysedUsers = analysedUsers; self.flaggedCorrect = flaggedCorrect; self.flaggedSkewed = flaggedSkewed
        }
    }

    public static func srmSeed(config: ABConfig, world: LoadedWorld, base: SimulationResult, k: Int, skew: Double) -> SRMSeed {
        let salt = config.simulation.salt
        let rule = HashAssignment(salt: "\(salt)-srm-\(k)", weights: [1, 1])
        let assignment = world.dataset.userKeys.map { rule.arm(for: $0)! }
        let r = base.reassigned(assignment)
        let users = ABAnalysis.analysedUsers(r)
        let ok = ABAnalysis.srm(observed: users.map(\.count), weights: [1, 1], names: ["a", "b"],
                                threshold: config.analysis.srmThreshold)
        // Lose a hashed share of the treatment's users (independent of the assignment hash).
        let lost = HashAssignment(salt: "lost-\(k)", weights: [skew, 1 - skew])
        let kept = users[1].filter { lost.arm(for: world.dataset.userKeys[$0]) == 1 }
        let skewed = ABAnalysis.srm(observed: [users[0].count, kept.count], weights: [1, 1], names: ["a", "b"],
                                    threshold: config.analysis.srmThreshold)
        return SRMSeed(analysedUsers: users[0].count + users[1].count, flaggedCorrect: !ok.ok, flaggedSkewed: !skewed.ok)
    }

    /// Adds one salt's findings (in salt order: the mean is summed in that order).
    public static func add(_ seed: SRMSeed, to report: inout SRMReport) {
        report.meanUsers += Double(seed.analysedUsers) / Double(report.seeds)
        if seed.flaggedCorrect { report.flaggedCorrect += 1 }
        if seed.flaggedSkewed { report.flaggedSkewed += 1 }
    }

    public struct OPEReport: Sendable {
        public var seeds: Int
        /// Per target: name, true value, and per estimator (coverage count, mean estimate, mean |error|).
        public var targets: [(name: String, truth: Double, estimators: [(name: String, covered: Int, mean: Double, meanAbsError: Double)])]
    }

    /// OPE coverage: the target policies' true values once, then `seeds` independent logs.
    public static func ope(config: OPEConfig, world: LoadedWorld, seeds: Int, progress: ProgressReporter? = nil) throws -> OPEReport {
        let session = try OPESession(config: config, world: world)
        var merger = OPEMerger(config: config, truths: session.truth.map(\.mean), seeds: seeds)
        for k in 0..<seeds {
            merger.add(opeSeed(config: config, session: session, k: k))
            progress?.advance()
        }
        progress?.finish()
        return merger.report
    }

    /// The estimators the OPE check reports, in order.
    public static let opeEstimators = ["replay", "ips", "snips", "dm", "dr"]

    /// One log of the OPE check: per target, per estimator of `opeEstimators`, its estimate and whether its
    /// interval covers the true value (nil when the estimator gave none).
    public struct OPESeed: Sendable, Equatable {
        public var estimates: [[(value: Double, covered: Bool)?]]
        public static func == (a: OPESeed, b: OPESeed) -> Bool {
            a.estimates.count == b.estimates.count && zip(a.estimates, b.estimates).allSatisfy { x, y in
                x.count == y.count && zip(x, y).allSatisfy { $0?.value == $1?.value && $0?.covered == $1?.covered }
            }
        }
        public init(estimates: [[(value: Double, covered: Bool)?]]) { self.estimates = estimates }
    }

    /// Log `k` of the OPE check (its log seed from the config's seed and `k` only).
    public static func opeSeed(config: OPEConfig, session: OPESession, k: Int) -> OPESeed {
        let (_, est) = session.estimates(logSeed: config.seed &+ 1 &+ UInt64(k) &* 104_729)
        var out = [[(value: Double, covered: Bool)?]](repeating: [(value: Double, covered: Bool)?](repeating: nil, count: opeEstimators.count),
                                                      count: config.targets.count)
        for t in est.indices {
            let truth = session.truth[t].mean
            for e in est[t] {
                guard let j = opeEstimators.firstIndex(of: e.estimator) else { continue }
                out[t][j] = (e.value, e.ciLow <= truth && truth <= e.ciHigh)
            }
        }
        return OPESeed(estimates: out)
    }

    /// Sums the logs of the OPE check in log order.
    public struct OPEMerger {
        let config: OPEConfig
        let truths: [Double]
        let seeds: Int
        var covered: [[Int]], sum: [[Double]], absErr: [[Double]]

        public init(config: OPEConfig, truths: [Double], seeds: Int) {
            self.config = config; self.truths = truths; self.seeds = seeds
            covered = [[Int]](repeating: [Int](repeating: 0, count: opeEstimators.count), count: config.targets.count)
            sum = covered.map { $0.map { _ in 0.0 } }
            absErr = sum
        }

        public mutating func add(_ seed: OPESeed) {
            for t in seed.estimates.indices where t < truths.count {
                for (j, e) in seed.estimates[t].enumerated() where j < opeEstimators.count {
                    guard let e else { continue }
                    if e.covered { covered[t][j] += 1 }
                    sum[t][j] += e.value / Double(seeds)
                    absErr[t][j] += abs(e.value - truths[t]) / Double(seeds)
                }
            }
        }

        public var report: OPEReport {
            OPEReport(seeds: seeds, targets: config.targets.indices.map { t in
                (config.targets[t].name, truths[t], opeEstimators.indices.map { (opeEstimators[$0], covered[t][$0], sum[t][$0], absErr[t][$0]) })
            })
        }
    }
}
