import Foundation
import RecLabCore
import RecLabStats
import RecLabResults

/// One summary value of a run that can be compared across runs: a strategy's (or arm's) metric.
public struct TrackedMetric: Equatable, Sendable {
    /// Strategy (offline), arm (A/B) or `policy/estimator` (OPE).
    public var subject: String
    public var metric: String
    public var value: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var lowerIsBetter: Bool
}

extension ResultDocument {
    /// The summary values the sprint review and the regression gate compare: offline rows over all folds,
    /// A/B arm metrics, OPE estimates.
    public var trackedMetrics: [TrackedMetric] {
        switch self {
        case .offline(let d):
            return OfflineReport.overallRows(d).map {
                TrackedMetric(subject: $0.strategy, metric: $0.metric, value: $0.mean, ciLow: $0.ciLow, ciHigh: $0.ciHigh,
                              lowerIsBetter: $0.lowerIsBetter || MetricDirection.lowerIsBetter($0.base))
            }
        case .ab(let d):
            return d.arms.flatMap { arm in
                ABReport.orderedMetrics(arm.metrics.keys).map { m in
                    let s = arm.metrics[m]!
                    return TrackedMetric(subject: arm.name, metric: m, value: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh,
                                         lowerIsBetter: MetricDirection.lowerIsBetter(m))
                }
            }
        case .interleaving(let d):
            return d.pairs.map { TrackedMetric(subject: "\($0.a) vs \($0.b)", metric: "preference", value: $0.preference,
                                               ciLow: $0.ciLow, ciHigh: $0.ciHigh, lowerIsBetter: false) }
        case .ope(let d):
            return d.targets.flatMap { t in
                t.estimates.map { TrackedMetric(subject: t.policy + "/" + $0.estimator, metric: "value", value: $0.value,
                                                ciLow: $0.ciLow, ciHigh: $0.ciHigh, lowerIsBetter: false) }
            }
        }
    }
}

/// The change of one metric between two runs.
public struct MetricDelta: Sendable {
    public enum Verdict: String, Sendable { case improvement, regression, unchanged }
    public var subject: String
    public var metric: String
    public var previous: TrackedMetric
    public var current: TrackedMetric
    public var delta: Double { current.value - previous.value }
    public var relativeDelta: Double { previous.value != 0 ? delta / abs(previous.value) : .nan }
    public var verdict: Verdict
    /// Two-sided p-value of the z-test on the two means (NaN when a CI is missing or zero-width).
    public var pValue: Double
    public var significant: Bool { pValue.isFinite && pValue < SprintReview.alpha }
    /// 95% CI of the difference, from the two standard errors.
    public var ciLow: Double
    public var ciHigh: Double
}

/// "Since last sprint": per strategy (or arm) and metric, the change from the previous run, direction-aware.
///
/// Significance: each run's 95% CI gives a standard error se = (high − low) / (2 · 1.959964) (the normal
/// approximation the CIs are built with); the difference of the means is tested with a two-sided z-test,
/// z = (current − previous) / sqrt(se_current² + se_previous²), at alpha 0.05. This treats the runs as
/// independent samples; when both were evaluated on the same users the positive correlation makes the
/// test conservative (it flags fewer changes than a paired test would).
public enum SprintReview {
    public static let alpha = 0.05
    static let z975 = 1.959963984540054

    public static func deltas(current: ResultDocument, previous: ResultDocument) -> (deltas: [MetricDelta], added: [String], removed: [String]) {
        let cur = current.trackedMetrics, prev = previous.trackedMetrics
        var prevIndex: [String: TrackedMetric] = [:]
        for p in prev { prevIndex[p.subject + "\u{1}" + p.metric] = p }
        var out: [MetricDelta] = []
        for c in cur {
            guard let p = prevIndex[c.subject + "\u{1}" + c.metric] else { continue }
            let delta = c.value - p.value
            let seC = (c.ciHigh - c.ciLow) / (2 * z975), seP = (p.ciHigh - p.ciLow) / (2 * z975)
            let se = (seC * seC + seP * seP).squareRoot()
            let pValue = se > 0 && se.isFinite ? 2 * Normal.survival(abs(delta) / se) : (delta == 0 ? 1 : .nan)
            let tiny = 1e-12 * max(1, abs(p.value))
            let verdict: MetricDelta.Verdict
            if !delta.isFinite || abs(delta) <= tiny {
                verdict = .unchanged
            } else {
                verdict = (c.lowerIsBetter ? delta < 0 : delta > 0) ? .improvement : .regression
            }
            let half = se.isFinite ? z975 * se : .nan
            out.append(MetricDelta(subject: c.subject, metric: c.metric, previous: p, current: c, verdict: verdict, pValue: pValue,
                                   ciLow: delta - half, ciHigh: delta + half))
        }
        let curSubjects = Set(cur.map(\.subject)), prevSubjects = Set(prev.map(\.subject))
        let added = cur.map(\.subject).filter { !prevSubjects.contains($0) }
        let removed = prev.map(\.subject).filter { !curSubjects.contains($0) }
        func unique(_ a: [String]) -> [String] { var s = Set<String>(); return a.filter { s.insert($0).inserted } }
        return (out, unique(added), unique(removed))
    }

    static func build(current: ResultDocument, previous: ResultDocument, into c: inout ReportContent) {
        let (deltas, added, removed) = deltas(current: current, previous: previous)
        let unit = current.kind == "ab" ? "arm" : "strategy"
        c.heading(2, "Since last sprint")
        let p = previous.provenance
        c.line("Compared with run `\(previous.runId)` (\(previous.name)\(p.createdAt.map { ", \($0)" } ?? "")\(p.gitCommit.map { ", commit `\(String($0.prefix(12)))`" } ?? "")).")
        c.line()
        if p.dataset.contentHash != current.provenance.dataset.contentHash {
            c.line("> **Note:** the dataset differs from the previous run's (content hash `\(String(p.dataset.contentHash.prefix(12)))` then, " +
                   "`\(String(current.provenance.dataset.contentHash.prefix(12)))` now); changes mix data and code effects.")
            c.line()
        }
        if p.configHash != current.provenance.configHash {
            c.line("The experiment config changed since the previous run (config hash `\(String(p.configHash.prefix(12)))` → `\(String(current.provenance.configHash.prefix(12)))`).")
            c.line()
        }
        let improvements = deltas.filter { $0.verdict == .improvement }, regressions = deltas.filter { $0.verdict == .regression }
        c.line("**\(improvements.count) improvement\(improvements.count == 1 ? "" : "s")** (\(improvements.filter(\.significant).count) significant), " +
               "**\(regressions.count) regression\(regressions.count == 1 ? "" : "s")** (\(regressions.filter(\.significant).count) significant), " +
               "\(deltas.count - improvements.count - regressions.count) unchanged, over \(deltas.count) \(unit) × metric pairs. " +
               "Direction-aware (lower is better for rmse, mae, gini, popularity); significance by a z-test on the two means " +
               "with standard errors from each run's 95% CI, alpha \(NumberFormat.exact(alpha)).")
        c.line()
        if !added.isEmpty { c.line("- new \(unit)s: " + added.joined(separator: ", ")) }
        if !removed.isEmpty { c.line("- \(unit)s no longer run: " + removed.joined(separator: ", ")) }
        if !added.isEmpty || !removed.isEmpty { c.line() }
        var table = ReportTable(slug: "since-last-sprint", title: "Changes since the previous run",
                                columns: [TableColumn(unit), TableColumn("metric"), TableColumn("previous", interval: true),
                                          TableColumn("current", interval: true), TableColumn("change", numeric: true),
                                          TableColumn("relative change", numeric: true), TableColumn("z-test p", numeric: true),
                                          TableColumn("verdict")], rows: [])
        for d in deltas {
            let flag: String
            switch d.verdict {
            case .improvement: flag = "▲ improvement" + (d.significant ? " (significant)" : " (not significant)")
            case .regression: flag = "▼ REGRESSION" + (d.significant ? " (significant)" : " (not significant)")
            case .unchanged: flag = "= unchanged"
            }
            table.rows.append([.text(d.subject), .text(d.metric + (d.current.lowerIsBetter ? " ↓" : "")),
                               .interval(mean: d.previous.value, low: d.previous.ciLow, high: d.previous.ciHigh),
                               .interval(mean: d.current.value, low: d.current.ciLow, high: d.current.ciHigh),
                               .number(d.delta), .number(d.relativeDelta), .pValue(d.pValue), .text(flag)])
        }
        c.table(table)
        let changed = deltas.filter { $0.verdict != .unchanged && $0.relativeDelta.isFinite }
        if !changed.isEmpty {
            // Sign flipped for lower-is-better metrics so right is always better.
            c.chart(ChartBuilder.forest(name: "since-last-sprint", title: "Change since the previous run (right = better, 95% CI)",
                                        xlabel: "relative change, oriented so that positive is better (%)",
                                        rows: changed.map { d in
                                            let sign = d.current.lowerIsBetter ? -1.0 : 1.0
                                            let scale = 100 / abs(d.previous.value)
                                            let lo = sign * d.ciLow * scale, hi = sign * d.ciHigh * scale
                                            return ("\(d.subject): \(d.metric)", sign * d.delta * scale, min(lo, hi), max(lo, hi), d.significant)
                                        },
                                        highlightTitle: "significant change", otherTitle: "not significant"))
        }
    }
}
