import Foundation
import RecLabCore
import RecLabResults

extension Validation {
    /// Coverage of the A/B intervals around the true effect, per metric and treatment arm, over seeds.
    public struct TruthCoverage: Sendable {
        public var seeds: Int
        public var scope: TrainingScope
        public var retrain: Bool
        /// Per "metric|arm": intervals that covered the true effect, summed bias, summed |bias|, summed |true effect|.
        public var covered: [String: Int] = [:]
        public var bias: [String: Double] = [:]
        public var absBias: [String: Double] = [:]
        public var absTrue: [String: Double] = [:]
        /// Per "metric|arm": seeds whose A/B interval had width (a metric nothing moves, such as retention in a world
        /// without churn, has a zero-width interval around a zero effect: not a coverage trial).
        public var trials: [String: Int] = [:]
        public var keys: [String] = []

        public var totalCovered: Int { covered.values.reduce(0, +) }
        public var total: Int { trials.values.reduce(0, +) }
    }

    /// `seeds` A/B simulations (seed and salt varied), each with its truth worlds (`TruthWorlds`): how often each
    /// A/B 95% interval contains the true effect of shipping the arm, and the mean bias. Without retraining nothing
    /// one user is shown depends on other users (no interference), so coverage should be at least nominal; with
    /// retraining each arm learns from its own users' logs only (`arm`) or from every arm's (`shared`), and the
    /// difference from the truth worlds (trained on everyone's logs under one strategy) is interference bias.
    public static func truth(config: ABConfig, world: LoadedWorld, seeds: Int, scope: TrainingScope, retrain: Bool,
                             progress: ProgressReporter? = nil) throws -> TruthCoverage {
        var out = TruthCoverage(seeds: seeds, scope: scope, retrain: retrain)
        for k in 0..<seeds {
            var s = config.simulation
            s.seed = config.simulation.seed &+ UInt64(k) &* 7919
            s.salt = "\(config.simulation.salt)-truth-\(k)"
            s.keepLog = false; s.longTerm = true; s.featuredLog = false
            s.trainingScope = scope
            if !retrain { s.retrainEvery = 0 }
            let r = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: s).run()
            let analysis = ABAnalysis.analyse(r, settings: s, analysis: config.analysis)
            let worlds = try TruthWorlds.simulate(settings: s, world: world)
            let (truth, _) = TruthWorlds.analyse(ab: r, comparisons: analysis.comparisons, longTerm: nil, worlds: worlds,
                                                 settings: s, alpha: config.analysis.alpha, seed: s.seed)
            for e in truth.effects {
                let key = "\(e.metric)|\(e.arm)"
                if !out.keys.contains(key) { out.keys.append(key) }
                guard e.abCiHigh > e.abCiLow else { continue }
                out.trials[key, default: 0] += 1
                if e.covered { out.covered[key, default: 0] += 1 }
                out.bias[key, default: 0] += e.bias / Double(seeds)
                out.absBias[key, default: 0] += abs(e.bias) / Double(seeds)
                out.absTrue[key, default: 0] += abs(e.trueEffect) / Double(seeds)
            }
            progress?.advance()
        }
        progress?.finish()
        return out
    }
}
