import Foundation
import RecLabCore
import RecLabStore

/// How an A/B metric is computed from a user's totals.
public enum ABMetricKind: Sendable {
    /// Mean over users of a per-user value; compared with Welch's t-test.
    case perUser(@Sendable (UserTotals) -> Double)
    /// Sum of numerators over sum of denominators (the unit of analysis, the user, differs from the unit of
    /// the metric, the impression or visit); variance by the delta method.
    case ratio(@Sendable (UserTotals) -> Double, @Sendable (UserTotals) -> Double)
}

public struct ABMetric: Sendable {
    public let name: String
    public let kind: ABMetricKind
}

/// Mean with standard error and the per-unit variance it came from.
struct Estimate {
    var mean: Double
    var standardError: Double
    var n: Int
    /// Variance per unit (so that se^2 = unitVariance / n), used for power.
    var unitVariance: Double
    /// Degrees of freedom for t intervals (nil = normal).
    var df: Double?
}

/// Statistics of a simulated A/B test, following Kohavi, Tang and Xu, "Trustworthy Online Controlled
/// Experiments" (2020): per-user means with Welch's t-test (Welch 1947); ratio metrics (CTR, plays per visit,
/// completion rate, novelty) with the delta method (Deng, Knoblich and Lu, "Applying the delta method in metric
/// analytics", KDD 2018); Holm's step-down correction over arms x metrics (Holm 1979); sample ratio mismatch by
/// Pearson's chi-square test of users per arm against the weights (Fabijan et al., KDD 2019); power and minimum
/// detectable effect by the normal approximation; CUPED (Deng, Xu, Kohavi and Walker, WSDM 2013) with the
/// pre-period value of the same metric as covariate.
public enum ABAnalysis {
    public static let metrics: [ABMetric] = [
        ABMetric(name: "ctr", kind: .ratio({ $0.plays }, { $0.impressions })),
        ABMetric(name: "plays_per_visit", kind: .ratio({ $0.plays }, { $0.visits })),
        ABMetric(name: "completion_rate", kind: .ratio({ $0.completion }, { $0.plays })),
        ABMetric(name: "novelty", kind: .ratio({ $0.novelty }, { $0.impressions })),
        ABMetric(name: "watch_minutes_per_user", kind: .perUser({ $0.watchMinutes })),
        ABMetric(name: "plays_per_user", kind: .perUser({ $0.plays })),
        ABMetric(name: "visits_per_user", kind: .perUser({ $0.visits })),
    ]

    /// The users analysed in each arm: assigned to it and visiting at least once during the experiment
    /// (visiting does not depend on the arm, so this trigger keeps the comparison unbiased).
    public static func analysedUsers(_ r: SimulationResult) -> [[Int]] {
        var out = [[Int]](repeating: [], count: r.armNames.count)
        for (u, a) in r.assignment.enumerated() where a >= 0 && r.experiment[u].visits > 0 { out[a].append(u) }
        return out
    }

    // MARK: Estimators

    static func meanEstimate(_ x: [Double]) -> Estimate {
        let n = x.count
        guard n > 0 else { return Estimate(mean: .nan, standardError: .nan, n: 0, unitVariance: .nan, df: nil) }
        let mean = x.reduce(0, +) / Double(n)
        let variance = n > 1 ? x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1) : .nan
        return Estimate(mean: mean, standardError: (variance / Double(n)).squareRoot(), n: n, unitVariance: variance,
                        df: Double(n - 1))
    }

    /// R = sum(x) / sum(y) with Var(R) ~ (s_x^2 - 2 R s_xy + R^2 s_y^2) / (n mean(y)^2) (Deng et al. 2018, eq. 3).
    static func ratioEstimate(_ x: [Double], _ y: [Double]) -> Estimate {
        let n = x.count
        let sx = x.reduce(0, +), sy = y.reduce(0, +)
        guard n > 1, sy > 0 else { return Estimate(mean: sy > 0 ? sx / sy : .nan, standardError: .nan, n: n, unitVariance: .nan, df: nil) }
        let mx = sx / Double(n), my = sy / Double(n), r = sx / sy
        var vxx = 0.0, vyy = 0.0, vxy = 0.0
        for k in 0..<n {
            let dx = x[k] - mx, dy = y[k] - my
            vxx += dx * dx; vyy += dy * dy; vxy += dx * dy
        }
        let d = Double(n - 1)
        vxx /= d; vyy /= d; vxy /= d
        let unit = max(0, (vxx - 2 * r * vxy + r * r * vyy) / (my * my))
        return Estimate(mean: r, standardError: (unit / Double(n)).squareRoot(), n: n, unitVariance: unit, df: nil)
    }

    static func estimate(_ metric: ABMetric, users: [Int], totals: [UserTotals]) -> Estimate {
        switch metric.kind {
        case .perUser(let f): return meanEstimate(users.map { f(totals[$0]) })
        case .ratio(let num, let den): return ratioEstimate(users.map { num(totals[$0]) }, users.map { den(totals[$0]) })
        }
    }

    static func summary(_ e: Estimate, confidence: Double = 0.95) -> MetricSummary {
        let q = quantile(1 - (1 - confidence) / 2, df: e.df)
        return MetricSummary(mean: e.mean, ciLow: e.mean - q * e.standardError, ciHigh: e.mean + q * e.standardError, n: e.n)
    }

    static func quantile(_ p: Double, df: Double?) -> Double {
        if let df { return SimStats.tQuantile(p, df: df) }
        return SimStats.normalQuantile(p)
    }

    /// Treatment versus control: Welch's t for means (Welch-Satterthwaite df), a z-test for ratio metrics.
    /// Relative lift CI by the delta method on mean_t / mean_c.
    static func compare(metric: String, arm: String, control: String, t: Estimate, c: Estimate, alpha: Double,
                        welch: Bool) -> ABComparison {
        let diff = t.mean - c.mean
        let vt = t.standardError * t.standardError, vc = c.standardError * c.standardError
        let se = (vt + vc).squareRoot()
        var df: Double? = nil
        if welch {
            let nt = Double(t.n), nc = Double(c.n)
            df = (vt + vc) * (vt + vc) / (vt * vt / max(nt - 1, 1) + vc * vc / max(nc - 1, 1))
            if !(df!.isFinite) { df = nil }
        }
        let stat = diff / se
        let p: Double
        if se == 0 { p = diff == 0 ? 1 : 0 } else if let df { p = SimStats.tTwoSidedP(stat, df: df) } else { p = SimStats.normalTwoSidedP(stat) }
        let q = quantile(1 - alpha / 2, df: df)
        let rel = diff / c.mean
        let relSE = (vt / (c.mean * c.mean) + t.mean * t.mean * vc / pow(c.mean, 4)).squareRoot()
        let z = SimStats.normalQuantile(1 - alpha / 2)
        return ABComparison(metric: metric, arm: arm, control: control, lift: diff, relLift: rel,
                            ciLow: diff - q * se, ciHigh: diff + q * se, relCiLow: rel - z * relSE, relCiHigh: rel + z * relSE,
                            pValue: p, pAdjusted: p, significant: false, method: welch ? "welch" : "delta")
    }

    /// Pearson's chi-square of observed users per arm against the configured weights.
    public static func srm(observed: [Int], weights: [Double], names: [String], threshold: Double) -> SRMResult {
        let total = Double(observed.reduce(0, +))
        let wsum = weights.reduce(0, +)
        var chi2 = 0.0
        var expected: [String: Double] = [:], obs: [String: Int] = [:]
        for (k, o) in observed.enumerated() {
            let e = total * weights[k] / wsum
            expected[names[k]] = e; obs[names[k]] = o
            if e > 0 { chi2 += (Double(o) - e) * (Double(o) - e) / e }
        }
        let p = total > 0 ? SimStats.chiSquareSurvival(chi2, df: Double(observed.count - 1)) : 1
        return SRMResult(chi2: chi2, pValue: p, ok: p >= threshold, threshold: threshold, observed: obs, expected: expected)
    }

    /// Everything in ab.json except provenance: arms, comparisons (Holm-adjusted), SRM, power, CUPED, daily.
    public static func analyse(_ r: SimulationResult, settings: SimulationSettings, analysis: AnalysisSettings)
        -> (arms: [ABArm], comparisons: [ABComparison], srm: SRMResult, power: [PowerResult], cuped: [CUPEDResult]?,
            daily: [DailyArmMetrics], userValues: [(arm: String, metric: String, users: [Int32], values: [Double])]) {
        let users = analysedUsers(r)
        let c = settings.control
        let names = r.armNames
        var estimates = [[Estimate]]()   // [arm][metric]
        var arms: [ABArm] = []
        var userValues: [(arm: String, metric: String, users: [Int32], values: [Double])] = []
        for a in names.indices {
            let est = metrics.map { estimate($0, users: users[a], totals: r.experiment) }
            estimates.append(est)
            var summaries: [String: MetricSummary] = [:]
            for (m, e) in zip(metrics, est) { summaries[m.name] = summary(e) }
            let coverage = Exposure.coverage(r.exposure[a]), gini = Exposure.gini(r.exposure[a])
            summaries["coverage"] = MetricSummary(mean: coverage, ciLow: coverage, ciHigh: coverage, n: r.exposure[a].count)
            summaries["gini"] = MetricSummary(mean: gini, ciLow: gini, ciHigh: gini, n: r.exposure[a].count)
            let spec = settings.arms[a]
            arms.append(ABArm(name: spec.name, strategy: spec.type,
                              parameters: spec.parameters.values.mapValues(\.description), weight: spec.weight,
                              users: users[a].count, metrics: summaries, exposure: r.exposure[a]))
            for m in metrics {
                var us: [Int32] = [], vs: [Double] = []
                for u in users[a] {
                    let t = r.experiment[u]
                    switch m.kind {
                    case .perUser(let f): us.append(Int32(u)); vs.append(f(t))
                    case .ratio(let num, let den): if den(t) > 0 { us.append(Int32(u)); vs.append(num(t) / den(t)) }
                    }
                }
                userValues.append((spec.name, m.name, us, vs))
            }
        }

        var comparisons: [ABComparison] = []
        var power: [PowerResult] = []
        let zSum = SimStats.normalQuantile(1 - analysis.alpha / 2) + SimStats.normalQuantile(analysis.power)
        for a in names.indices where a != c {
            for (k, m) in metrics.enumerated() {
                let welch: Bool
                if case .perUser = m.kind { welch = true } else { welch = false }
                comparisons.append(compare(metric: m.name, arm: names[a], control: names[c], t: estimates[a][k],
                                           c: estimates[c][k], alpha: analysis.alpha, welch: welch))
                // MDE = (z_{1-alpha/2} + z_power) * se of the difference; users per arm for a target relative MDE.
                let et = estimates[a][k], ec = estimates[c][k]
                let se = (et.standardError * et.standardError + ec.standardError * ec.standardError).squareRoot()
                let mde = zSum * se
                let target = analysis.targetRelativeMDE * abs(ec.mean)
                let needed = (zSum * zSum * (et.unitVariance + ec.unitVariance) / (target * target)).rounded(.up)
                power.append(PowerResult(metric: m.name, arm: names[a], mde: mde, relativeMde: mde / abs(ec.mean),
                                         targetRelativeMde: analysis.targetRelativeMDE,
                                         usersNeeded: needed.isFinite ? Int(min(needed, 1e15)) : -1))
            }
        }
        adjust(&comparisons, alpha: analysis.alpha)

        let srmResult = srm(observed: users.map(\.count), weights: settings.arms.map(\.weight), names: names,
                            threshold: analysis.srmThreshold)

        var cuped: [CUPEDResult]? = nil
        if analysis.cuped {
            var out: [CUPEDResult] = []
            for m in metrics {
                guard case .perUser(let f) = m.kind else { continue }
                let all = users.flatMap { $0 }
                let ys = all.map { f(r.experiment[$0]) }, xs = all.map { f(r.pre[$0]) }
                let n = Double(all.count)
                guard n > 2 else { continue }
                let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
                var sxx = 0.0, sxy = 0.0, syy = 0.0
                for k in all.indices { sxx += (xs[k] - mx) * (xs[k] - mx); sxy += (xs[k] - mx) * (ys[k] - my); syy += (ys[k] - my) * (ys[k] - my) }
                let theta = sxx > 0 ? sxy / sxx : 0
                // Var(Y - theta X) = Var(Y) - Cov(X,Y)^2 / Var(X) with the pooled estimate.
                let reduction = syy > 0 ? 1 - (syy - theta * sxy) / syy : 0
                func adjusted(_ arm: Int) -> Estimate {
                    meanEstimate(users[arm].map { f(r.experiment[$0]) - theta * (f(r.pre[$0]) - mx) })
                }
                var comps = names.indices.filter { $0 != c }.map { a in
                    compare(metric: m.name, arm: names[a], control: names[c], t: adjusted(a), c: adjusted(c),
                            alpha: analysis.alpha, welch: true)
                }
                adjust(&comps, alpha: analysis.alpha)
                out.append(CUPEDResult(metric: m.name, theta: theta, varianceReduction: reduction, comparisons: comps))
            }
            cuped = out
        }

        let daily = r.daily.map { d -> DailyArmMetrics in
            var ms: [String: MetricSummary] = [:]
            ms["ctr"] = summary(ratioEstimate(d.userPlays, d.userImpressions))
            ms["plays_per_visit"] = summary(meanEstimate(d.userPlays))
            ms["watch_minutes_per_user"] = summary(meanEstimate(d.userMinutes))
            ms["completion_rate"] = summary(ratioEstimate(d.userCompletion, d.userPlays))
            return DailyArmMetrics(day: d.day, arm: names[d.arm], visits: d.visits, impressions: d.impressions, plays: d.plays,
                                   metrics: ms, gini: Exposure.gini(d.exposure), coverage: Exposure.coverage(d.exposure))
        }
        return (arms, comparisons, srmResult, power, cuped, daily, userValues)
    }

    static func adjust(_ comparisons: inout [ABComparison], alpha: Double) {
        let adjusted = SimStats.holm(comparisons.map(\.pValue))
        for k in comparisons.indices {
            comparisons[k].pAdjusted = adjusted[k]
            comparisons[k].significant = adjusted[k] < alpha
        }
    }
}
