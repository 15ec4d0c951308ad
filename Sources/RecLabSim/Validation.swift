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
        var s = config.simulation
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: control.name + "-copy", type: control.type, parameters: control.parameters)]
        s.control = 0
        if !retrain { s.retrainEvery = 0 }
        return try repeated(config: config, settings: s, world: world, seeds: seeds, progress: progress)
    }

    /// Planted effect: the control against an oracle ranking by true affinity.
    public static func planted(config: ABConfig, world: LoadedWorld, seeds: Int, retrain: Bool,
                               progress: ProgressReporter? = nil) throws -> RateTable {
        var s = config.simulation
        guard s.strategies.worldType(named: OracleRecommender.typeName) != nil else {
            throw RecLabError.usage("the planted-effect validation needs the '\(OracleRecommender.typeName)' world strategy, which this run's catalogue does not register")
        }
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: "oracle", type: OracleRecommender.typeName)]
        s.control = 0
        if !retrain { s.retrainEvery = 0 }
        return try repeated(config: config, settings: s, world: world, seeds: seeds, progress: progress)
    }

    static func repeated(config: ABConfig, settings: SimulationSettings, world: LoadedWorld, seeds: Int,
                         progress: ProgressReporter?) throws -> RateTable {
        var table = RateTable(seeds: seeds)
        for k in 0..<seeds {
            var s = settings
            s.seed = settings.seed &+ UInt64(k) &* 7919
            s.salt = "\(settings.salt)-validate-\(k)"
            s.keepLog = false
            let r = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: s).run()
            let out = ABAnalysis.analyse(r, settings: s, analysis: config.analysis)
            for c in out.comparisons where c.pValue < config.analysis.alpha {
                table.significant[c.metric, default: 0] += 1
                if c.lift > 0 { table.positive[c.metric, default: 0] += 1 }
            }
            for cu in out.cuped ?? [] {
                for c in cu.comparisons where c.pValue < config.analysis.alpha {
                    table.significant["cuped:" + c.metric, default: 0] += 1
                    if c.lift > 0 { table.positive["cuped:" + c.metric, default: 0] += 1 }
                }
            }
            if out.comparisons.contains(where: \.significant) { table.anyHolmSignificant += 1 }
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
        var s = config.simulation
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: control.name + "-copy", type: control.type, parameters: control.parameters)]
        s.control = 0; s.retrainEvery = 0; s.holdout = 0; s.keepLog = false
        let base = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: s).run()
        var report = SRMReport(seeds: seeds, skew: skew, flaggedCorrect: 0, flaggedSkewed: 0, meanUsers: 0)
        for k in 0..<seeds {
            let rule = HashAssignment(salt: "\(s.salt)-srm-\(k)", weights: [1, 1])
            let assignment = world.dataset.userKeys.map { rule.arm(for: $0)! }
            let r = base.reassigned(assignment)
            let users = ABAnalysis.analysedUsers(r)
            report.meanUsers += Double(users[0].count + users[1].count) / Double(seeds)
            let ok = ABAnalysis.srm(observed: users.map(\.count), weights: [1, 1], names: ["a", "b"],
                                    threshold: config.analysis.srmThreshold)
            if !ok.ok { report.flaggedCorrect += 1 }
            // Lose a hashed share of the treatment's users (independent of the assignment hash).
            let lost = HashAssignment(salt: "lost-\(k)", weights: [skew, 1 - skew])
            let kept = users[1].filter { lost.arm(for: world.dataset.userKeys[$0]) == 1 }
            let skewed = ABAnalysis.srm(observed: [users[0].count, kept.count], weights: [1, 1], names: ["a", "b"],
                                        threshold: config.analysis.srmThreshold)
            if !skewed.ok { report.flaggedSkewed += 1 }
        }
        return report
    }

    public struct OPEReport: Sendable {
        public var seeds: Int
        /// Per target: name, true value, and per estimator (coverage count, mean estimate, mean |error|).
        public var targets: [(name: String, truth: Double, estimators: [(name: String, covered: Int, mean: Double, meanAbsError: Double)])]
    }

    /// OPE coverage: the target policies' true values once, then `seeds` independent logs.
    public static func ope(config: OPEConfig, world: LoadedWorld, seeds: Int, progress: ProgressReporter? = nil) throws -> OPEReport {
        let session = try OPESession(config: config, world: world)
        let names = ["replay", "ips", "snips", "dm", "dr"]
        var covered = [[Int]](repeating: [Int](repeating: 0, count: names.count), count: config.targets.count)
        var sum = covered.map { $0.map { _ in 0.0 } }, absErr = sum
        for k in 0..<seeds {
            let (_, est) = session.estimates(logSeed: config.seed &+ 1 &+ UInt64(k) &* 104_729)
            for t in est.indices {
                let truth = session.truth[t].mean
                for e in est[t] {
                    guard let j = names.firstIndex(of: e.estimator) else { continue }
                    if e.ciLow <= truth && truth <= e.ciHigh { covered[t][j] += 1 }
                    sum[t][j] += e.value / Double(seeds)
                    absErr[t][j] += abs(e.value - truth) / Double(seeds)
                }
            }
            progress?.advance()
        }
        progress?.finish()
        return OPEReport(seeds: seeds, targets: config.targets.indices.map { t in
            (config.targets[t].name, session.truth[t].mean,
             names.indices.map { (names[$0], covered[t][$0], sum[t][$0], absErr[t][$0]) })
        })
    }
}
