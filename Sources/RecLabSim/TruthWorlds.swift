import Foundation
import RecLabCore
import RecLabResults
import RecLabStats

/// The truth beside the estimate (`truth: true`): one counterfactual world per arm in which every user is served
/// that arm's strategy, retrained on all users' logs, with the same per-user, per-day random streams as the A/B
/// world (common random numbers), so a user's outcomes in two worlds differ only through what they were shown.
///
/// The true (global) effect of shipping arm a on a metric is its value in world a minus its value in the control's
/// world, over the same users (those visiting at least once during the experiment; before their first experiment
/// visit nothing differs between worlds, so the set is the same in every world). Per-user means: the mean of the
/// paired differences with a t interval. Ratio metrics: R_a − R_c with the paired delta-method variance over the
/// per-user linearisations (x_a − R_a y_a)/ȳ_a − (x_c − R_c y_c)/ȳ_c (Deng, Knoblich and Lu, KDD 2018). This is
/// the global treatment effect that interference biases A/B estimates away from (feedback loops through shared
/// training data: Chaney et al. 2018; marketplace interference: Holtz et al., "Reducing interference bias in online
/// marketplace experiments using cluster randomization", 2020, who measured 32.6% bias at Airbnb; for recommenders
/// trained on experiment data, Si, "Tackling interference induced by data training loops in A/B tests", 2023).
public enum TruthWorlds {
    /// Simulates one world per arm.
    public static func simulate(settings: SimulationSettings, world: LoadedWorld, clock: RunClock = .system,
                                progress: ((Int) -> ProgressReporter?)? = nil) throws -> [SimulationResult] {
        try settings.arms.indices.map { try simulate(arm: $0, settings: settings, world: world, clock: clock, progress: progress?($0)) }
    }

    /// Simulates the world in which every user is served arm `arm` (the seeds are the A/B world's: common random numbers).
    public static func simulate(arm: Int, settings: SimulationSettings, world: LoadedWorld, clock: RunClock = .system,
                                progress: ProgressReporter? = nil) throws -> SimulationResult {
        let sim = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour,
                                  settings: Self.settings(arm: arm, settings), clock: clock)
        return try sim.run(progress: progress)
    }

    /// The A/B world's settings turned into arm `arm`'s truth world.
    static func settings(arm: Int, _ settings: SimulationSettings) -> SimulationSettings {
        var s = settings
        s.everyoneOn = arm; s.keepLog = false; s.longTerm = true; s.featuredLog = false
        return s
    }

    /// Users of the paired comparison: visiting at least once during the experiment in any world.
    static func pairedUsers(_ worlds: [SimulationResult]) -> [Int] {
        guard let first = worlds.first else { return [] }
        return first.experiment.indices.filter { u in worlds.contains { $0.experiment[u].visits > 0 } }
    }

    /// The paired effect of `t` over `c` on `metric` over `users`, with its interval at `level`.
    static func pairedEffect(_ metric: ABMetric, users: [Int], t: [UserTotals], c: [UserTotals], level: Double) -> (effect: Double, low: Double, high: Double) {
        switch metric.kind {
        case .perUser(let f):
            let m = MeanSummary(users.map { f(t[$0]) - f(c[$0]) }, level: level)
            return (m.mean, m.ciLow, m.ciHigh)
        case .ratio(let num, let den):
            return pairedRatio(xt: users.map { num(t[$0]) }, yt: users.map { den(t[$0]) },
                               xc: users.map { num(c[$0]) }, yc: users.map { den(c[$0]) }, level: level)
        }
    }

    static func pairedRatio(xt: [Double], yt: [Double], xc: [Double], yc: [Double], level: Double) -> (effect: Double, low: Double, high: Double) {
        let n = Double(xt.count)
        let syt = yt.reduce(0, +), syc = yc.reduce(0, +)
        guard n >= 2, syt > 0, syc > 0 else { return (.nan, .nan, .nan) }
        let rt = xt.reduce(0, +) / syt, rc = xc.reduce(0, +) / syc
        let ybt = syt / n, ybc = syc / n
        let infl = xt.indices.map { (xt[$0] - rt * yt[$0]) / ybt - (xc[$0] - rc * yc[$0]) / ybc }
        let se = (Descriptive.variance(infl) / n).squareRoot()
        let z = Normal.quantile(0.5 + level / 2)
        let d = rt - rc
        return (d, d - z * se, d + z * se)
    }

    /// The truth section and the per-day true effects, from the A/B run and the worlds.
    public static func analyse(ab: SimulationResult, comparisons: [ABComparison], longTerm: LongTermResults?, worlds: [SimulationResult],
                               settings: SimulationSettings, alpha: Double, seed: UInt64) -> (truth: TruthResults, longTerm: LongTermResults?) {
        let level = 1 - alpha
        let users = pairedUsers(worlds)
        let metrics = ABAnalysis.metrics(longTerm: true)
        let names = settings.arms.map(\.name), c = settings.control
        let worldSummaries = names.indices.map { a in
            TruthWorld(arm: names[a], metrics: Dictionary(uniqueKeysWithValues: metrics.map {
                ($0.name, ABAnalysis.estimate($0, users: users, totals: worlds[a].experiment).summary)
            }))
        }
        var effects: [TruthEffect] = []
        for a in names.indices where a != c {
            for m in metrics {
                guard let cmp = comparisons.first(where: { $0.metric == m.name && $0.arm == names[a] }) else { continue }
                let e = pairedEffect(m, users: users, t: worlds[a].experiment, c: worlds[c].experiment, level: level)
                effects.append(TruthEffect(metric: m.name, arm: names[a], abLift: cmp.lift, abCiLow: cmp.ciLow, abCiHigh: cmp.ciHigh,
                                           trueEffect: e.effect, trueCiLow: e.low, trueCiHigh: e.high))
            }
        }
        let (ope, note) = opeBesideTruth(ab: ab, effects: effects, settings: settings, seed: seed)
        let truth = TruthResults(users: users.count, worlds: worldSummaries, effects: effects, ope: ope, opeNote: note)
        guard var lt = longTerm else { return (truth, nil) }
        fillDailyTruth(&lt, worlds: worlds, users: users, settings: settings, level: level)
        lt.flips += LongTermAnalysis.flips(lt.lifts, source: "truth")
        return (truth, lt)
    }

    /// Adds the true effect to every per-day lift: paired over the users for cumulative metrics, the difference of
    /// the worlds' daily estimates (Welch / delta method, unpaired: the visiting users differ) for daily ones.
    static func fillDailyTruth(_ lt: inout LongTermResults, worlds: [SimulationResult], users: [Int], settings: SimulationSettings, level: Double) {
        let names = settings.arms.map(\.name), c = settings.control
        var index: [String: Int] = [:]
        for (k, l) in lt.lifts.enumerated() { index["\(l.metric)|\(l.arm)|\(l.day)"] = k }
        func set(_ metric: String, _ arm: String, _ day: Int, _ e: (Double, Double, Double)) {
            guard let k = index["\(metric)|\(arm)|\(day)"] else { return }
            lt.lifts[k].trueEffect = e.0; lt.lifts[k].trueCiLow = e.1; lt.lifts[k].trueCiHigh = e.2
        }
        guard let traceC = worlds[c].longTerm else { return }
        for a in names.indices where a != c {
            guard let traceA = worlds[a].longTerm else { continue }
            // Both worlds' cumulative values, day by day, paired by user.
            var valuesA: [[[Double]]] = [], valuesC: [[[Double]]] = []
            LongTermAnalysis.cumulativeValues(traceA, users: [users]) { _, v in valuesA.append(v[0]) }
            LongTermAnalysis.cumulativeValues(traceC, users: [users]) { _, v in valuesC.append(v[0]) }
            for d in valuesA.indices {
                for (k, m) in LongTermAnalysis.cumulativeMetrics.enumerated() {
                    let diff = MeanSummary(zip(valuesA[d][k], valuesC[d][k]).map { $0 - $1 }, level: level)
                    set(m, names[a], d, (diff.mean, diff.ciLow, diff.ciHigh))
                }
            }
            let dayA = Dictionary(worlds[a].daily.filter { $0.arm == a }.map { ($0.day, $0) }, uniquingKeysWith: { x, _ in x })
            let dayC = Dictionary(worlds[c].daily.filter { $0.arm == c }.map { ($0.day, $0) }, uniquingKeysWith: { x, _ in x })
            for (day, ta) in dayA {
                guard let tc = dayC[day] else { continue }
                let ea = LongTermAnalysis.dailyEstimates(ta), ec = LongTermAnalysis.dailyEstimates(tc)
                for m in LongTermAnalysis.dailyMetrics {
                    let cmp = ABAnalysis.compare(metric: m, arm: names[a], control: names[c], t: ea[m]!, c: ec[m]!, alpha: 1 - level)
                    set(m, names[a], day, (cmp.lift, cmp.ciLow, cmp.ciHigh))
                }
            }
        }
    }

    /// Off-policy estimates of each treatment arm's effect on the featured slot's play rate, from the control arm's
    /// logged featured slots and their propensities, with the existing estimators (`OPERunner.estimate`). Each
    /// context keeps two actions, the logged title and the treatment arm's greedy pick (the target is greedy, so
    /// every other action has target probability 0 and no estimator needs it). The effect is the estimate minus the
    /// control's on-policy play rate in the same contexts; its interval is the estimate's shifted by that rate.
    static func opeBesideTruth(ab: SimulationResult, effects: [TruthEffect], settings: SimulationSettings, seed: UInt64) -> ([OPEBesideTruth], String?) {
        let c = settings.control
        guard settings.page.rows.first == .topPicks else {
            return ([], "OPE needs the page's first row to be top-picks (the featured slot the control's strategy fills)")
        }
        guard settings.arms[c].epsilon > 0 else {
            return ([], "OPE needs an exploring control arm: with epsilon 0 its logs never show another arm's choice (set `epsilon` on the control)")
        }
        guard !ab.featured.isEmpty else { return ([], "the control arm logged no featured slots") }
        let controlRate = ab.featured.reduce(0.0) { $0 + ($1.played ? 1 : 0) } / Double(ab.featured.count)
        var out: [OPEBesideTruth] = []
        for a in settings.arms.indices where a != c {
            var contexts: [OPERunner.Context] = [], pi: [[Double]] = []
            for f in ab.featured where f.logged >= 0 && f.loggedPropensity > 0 {
                let pick = f.picks[a]
                let reward = f.played ? 1.0 : 0.0
                if pick == f.logged || pick < 0 {
                    contexts.append(.init(user: Int(f.user), candidates: [f.logged], loggingProbs: [Double(f.loggedPropensity)], action: 0, reward: reward))
                    pi.append([pick == f.logged ? 1 : 0])
                } else {
                    contexts.append(.init(user: Int(f.user), candidates: [f.logged, pick],
                                          loggingProbs: [Double(f.loggedPropensity), Double(f.pickPropensity[a])], action: 0, reward: reward))
                    pi.append([0, 1])
                }
            }
            guard let truthRow = effects.first(where: { $0.metric == "featured_ctr" && $0.arm == settings.arms[a].name }) else { continue }
            for e in OPERunner.estimate(contexts, pi: pi, seed: seed &+ UInt64(a)).sorted(by: { OPERunner.order($0.estimator) < OPERunner.order($1.estimator) }) {
                out.append(OPEBesideTruth(arm: settings.arms[a].name, estimator: e.estimator, opeEffect: e.value - controlRate,
                                          opeCiLow: e.ciLow - controlRate, opeCiHigh: e.ciHigh - controlRate, n: e.n,
                                          abLift: truthRow.abLift, abCiLow: truthRow.abCiLow, abCiHigh: truthRow.abCiHigh,
                                          trueEffect: truthRow.trueEffect, trueCiLow: truthRow.trueCiLow, trueCiHigh: truthRow.trueCiHigh))
            }
        }
        return (out, nil)
    }
}
