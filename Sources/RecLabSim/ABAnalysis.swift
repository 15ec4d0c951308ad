import Foundation
import RecLabCore
import RecLabStats
import RecLabResults

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

/// An arm's estimate of one metric: a mean of per-user values or a ratio of sums (RecLabStats types).
enum Estimate {
    case mean(MeanSummary)
    case ratio(RatioMetric)

    var mean: Double { switch self { case .mean(let m): return m.mean; case .ratio(let r): return r.ratio } }
    var standardError: Double { switch self { case .mean(let m): return m.standardError; case .ratio(let r): return r.standardError } }
    var n: Int { switch self { case .mean(let m): return m.n; case .ratio(let r): return r.n } }
    /// Variance per user (se^2 = unitVariance / n), for power.
    var unitVariance: Double { standardError * standardError * Double(n) }
    var summary: MetricSummary {
        switch self {
        case .mean(let m): return MetricSummary(mean: m.mean, ciLow: m.ciLow, ciHigh: m.ciHigh, n: m.n)
        case .ratio(let r): return MetricSummary(mean: r.ratio, ciLow: r.ciLow, ciHigh: r.ciHigh, n: r.n)
        }
    }
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

    /// Added when long-term traces are kept (worlds with user dynamics, `long_term` or `truth` configs): the share
    /// of users not churned by the end, days with at least one play per user, and the play rate of the page's first
    /// tile (row 0, slot 0, always examined), the quantity OPE estimates.
    public static let longTermMetrics: [ABMetric] = [
        ABMetric(name: "retention", kind: .perUser({ $0.retained })),
        ABMetric(name: "days_active_per_user", kind: .perUser({ $0.activeDays })),
        ABMetric(name: "featured_ctr", kind: .ratio({ $0.featuredPlays }, { $0.featuredShows })),
    ]

    /// The metrics of a run: the static ones, plus the long-term ones when traces were kept.
    public static func metrics(longTerm: Bool) -> [ABMetric] { longTerm ? metrics + longTermMetrics : metrics }

    /// Metrics CUPED applies to (the per-user ones).
    public static var cupedMetrics: [String] {
        metrics.compactMap { m in if case .perUser = m.kind { return m.name } else { return nil } }
    }

    /// The users analysed in each arm: assigned to it and visiting at least once during the experiment
    /// (visiting does not depend on the arm, so this trigger keeps the comparison unbiased).
    public static func analysedUsers(_ r: SimulationResult) -> [[Int]] {
        var out = [[Int]](repeating: [], count: r.armNames.count)
        for (u, a) in r.assignment.enumerated() where a >= 0 && r.experiment[u].visits > 0 { out[a].append(u) }
        return out
    }

    // MARK: Estimators

    static func meanEstimate(_ x: [Double]) -> Estimate { .mean(MeanSummary(x)) }

    /// R = sum(x) / sum(y) with the delta-method variance (Deng et al. 2018), via RecLabStats.
    static func ratioEstimate(_ x: [Double], _ y: [Double]) -> Estimate { .ratio(RatioMetric(numerators: x, denominators: y)) }

    static func estimate(_ metric: ABMetric, users: [Int], totals: [UserTotals]) -> Estimate {
        switch metric.kind {
        case .perUser(let f): return meanEstimate(users.map { f(totals[$0]) })
        case .ratio(let num, let den): return ratioEstimate(users.map { num(totals[$0]) }, users.map { den(totals[$0]) })
        }
    }

    /// Treatment versus control at confidence 1 - alpha: Welch's t-test for means, the delta-method z-test for
    /// ratio metrics; both with the delta-method relative-lift interval.
    static func compare(metric: String, arm: String, control: String, t: Estimate, c: Estimate, alpha: Double) -> ABComparison {
        let level = 1 - alpha
        switch (t, c) {
        case (.mean(let mt), .mean(let mc)):
            let w = WelchTest(treatment: MeanSummary(mean: mt.mean, variance: mt.variance, n: mt.n, level: level),
                              control: MeanSummary(mean: mc.mean, variance: mc.variance, n: mc.n, level: level), level: level)
            return ABComparison(metric: metric, arm: arm, control: control, lift: w.difference, relLift: w.relativeLift,
                                ciLow: w.ciLow, ciHigh: w.ciHigh, relCiLow: w.relativeCiLow, relCiHigh: w.relativeCiHigh,
                                pValue: w.pValue, pAdjusted: w.pValue, significant: false, method: "welch")
        case (.ratio(let rt), .ratio(let rc)):
            let r = RatioComparison(treatment: rt, control: rc, level: level)
            return ABComparison(metric: metric, arm: arm, control: control, lift: r.difference, relLift: r.relativeLift,
                                ciLow: r.ciLow, ciHigh: r.ciHigh, relCiLow: r.relativeCiLow, relCiHigh: r.relativeCiHigh,
                                pValue: r.pValue, pAdjusted: r.pValue, significant: false, method: "delta")
        default:
            preconditionFailure("comparing estimates of different kinds")
        }
    }

    /// Pearson's chi-square of observed users per arm against the configured weights (RecLabStats).
    public static func srm(observed: [Int], weights: [Double], names: [String], threshold: Double) -> SRMResult {
        let test = SampleRatioMismatch(observed: observed, weights: weights, threshold: threshold)
        var expected: [String: Double] = [:], obs: [String: Int] = [:]
        for k in names.indices { expected[names[k]] = test.expected[k]; obs[names[k]] = observed[k] }
        // An SRM statistic that cannot be computed is not a passed check.
        return SRMResult(chi2: test.chiSquare, pValue: test.pValue, ok: !test.mismatch && test.pValue.isFinite, threshold: threshold,
                         observed: obs, expected: expected)
    }

    /// Everything in ab.json except provenance: arms, comparisons (Holm-adjusted), SRM, power, CUPED, daily.
    public static func analyse(_ r: SimulationResult, settings: SimulationSettings, analysis: AnalysisSettings)
        -> (arms: [ABArm], comparisons: [ABComparison], srm: SRMResult, power: [PowerResult], cuped: [CUPEDResult]?,
            daily: [DailyArmMetrics], userValues: [(arm: String, metric: String, users: [Int32], values: [Double])]) {
        let users = analysedUsers(r)
        let c = settings.control
        let names = r.armNames
        // Long-term runs add retention, days active and the featured slot's play rate (same tests as the others).
        let staticMetrics = Self.metrics
        let metrics = Self.metrics(longTerm: r.longTerm != nil)
        var estimates = [[Estimate]]()   // [arm][metric]
        var arms: [ABArm] = []
        var userValues: [(arm: String, metric: String, users: [Int32], values: [Double])] = []
        for a in names.indices {
            let est = metrics.map { estimate($0, users: users[a], totals: r.experiment) }
            estimates.append(est)
            var summaries: [String: MetricSummary] = [:]
            for (m, e) in zip(metrics, est) { summaries[m.name] = e.summary }
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
        for a in names.indices where a != c {
            for (k, m) in metrics.enumerated() {
                comparisons.append(compare(metric: m.name, arm: names[a], control: names[c], t: estimates[a][k],
                                           c: estimates[c][k], alpha: analysis.alpha))
                // Power for the observed per-user (or delta-method per-user) variances and sample (RecLabStats).
                let et = estimates[a][k], ec = estimates[c][k]
                let mde = Power.minimumDetectableEffect(treatmentVariance: et.unitVariance, controlVariance: ec.unitVariance,
                                                        treatmentCount: et.n, controlCount: ec.n,
                                                        alpha: analysis.alpha, power: analysis.power)
                let needed = Power.usersPerArm(baselineMean: ec.mean, treatmentVariance: et.unitVariance,
                                               controlVariance: ec.unitVariance, relativeEffect: analysis.targetRelativeMDE,
                                               alpha: analysis.alpha, power: analysis.power)
                power.append(PowerResult(metric: m.name, arm: names[a], mde: mde, relativeMde: mde / abs(ec.mean),
                                         targetRelativeMde: analysis.targetRelativeMDE, usersNeeded: needed ?? -1))
            }
        }
        adjust(&comparisons, alpha: analysis.alpha)

        let srmResult = srm(observed: users.map(\.count), weights: settings.arms.map(\.weight), names: names,
                            threshold: analysis.srmThreshold)

        var cuped: [CUPEDResult]? = nil
        if analysis.cuped {
            var out: [CUPEDResult] = []
            for m in staticMetrics {
                guard case .perUser(let f) = m.kind else { continue }
                guard users.allSatisfy({ $0.count >= 2 }) else { continue }
                let cu = CUPED(outcomes: users.map { $0.map { f(r.experiment[$0]) } },
                               covariates: users.map { $0.map { f(r.pre[$0]) } })
                var comps = names.indices.filter { $0 != c }.map { a in
                    compare(metric: m.name, arm: names[a], control: names[c], t: .mean(MeanSummary(cu.adjusted[a])),
                            c: .mean(MeanSummary(cu.adjusted[c])), alpha: analysis.alpha)
                }
                adjust(&comps, alpha: analysis.alpha)
                out.append(CUPEDResult(metric: m.name, theta: cu.theta, varianceReduction: cu.varianceReduction, comparisons: comps))
            }
            cuped = out
        }

        let daily = r.daily.map { d -> DailyArmMetrics in
            var ms: [String: MetricSummary] = [:]
            ms["ctr"] = ratioEstimate(d.userPlays, d.userImpressions).summary
            ms["plays_per_visit"] = meanEstimate(d.userPlays).summary
            ms["watch_minutes_per_user"] = meanEstimate(d.userMinutes).summary
            ms["completion_rate"] = ratioEstimate(d.userCompletion, d.userPlays).summary
            ms["novelty"] = ratioEstimate(d.userNovelty, d.userImpressions).summary
            return DailyArmMetrics(day: d.day, arm: names[d.arm], visits: d.visits, impressions: d.impressions, plays: d.plays,
                                   metrics: ms, gini: Exposure.gini(d.exposure), coverage: Exposure.coverage(d.exposure))
        }
        return (arms, comparisons, srmResult, power, cuped, daily, userValues)
    }

    /// Comparisons whose lift or p-value is undefined (nan), one line per metric: an arm without the
    /// metric's denominator (no plays for completion rate) or without variance. For the table, ab.json and report.
    public static func undefinedWarnings(_ d: ABResults) -> [String] {
        var byMetric: [(metric: String, arms: [String])] = []
        for c in d.comparisons where !c.lift.isFinite || !c.pValue.isFinite {
            if let i = byMetric.firstIndex(where: { $0.metric == c.metric }) { byMetric[i].arms.append(c.arm) }
            else { byMetric.append((c.metric, [c.arm])) }
        }
        var out = byMetric.map {
            "\($0.metric): the comparison of \($0.arms.map { "'\($0)'" }.joined(separator: ", ")) with control '\(d.control)' " +
            "is undefined (nan): too little data or no variance in an arm"
        }
        if !d.srm.pValue.isFinite { out.append("the sample ratio mismatch check cannot be computed (too few users)") }
        return out
    }

    static func adjust(_ comparisons: inout [ABComparison], alpha: Double) {
        let adjusted = MultipleTesting.holm(comparisons.map(\.pValue))
        for k in comparisons.indices {
            comparisons[k].pAdjusted = adjusted[k]
            comparisons[k].significant = adjusted[k] < alpha
        }
    }
}
