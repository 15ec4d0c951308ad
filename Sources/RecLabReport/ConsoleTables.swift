import Foundation
import RecLabCore
import RecLabResults

/// The text tables `reclab run`, `simulate`, `ope` and `runs show` print: every result kind is rendered
/// to the console here, beside the Markdown reports.
public enum ConsoleTables {
    /// The strategy x metric table of overall means with 95% CIs, plus fit/eval times.
    public static func offline(_ d: OfflineResults) -> String {
        let overall = d.results.filter { $0.fold == nil }
        var metrics: [String] = []
        for r in overall where !metrics.contains(r.metric) { metrics.append(r.metric) }
        var header = ["strategy"] + metrics + ["fit s", "eval s"]
        var body: [[String]] = []
        for s in d.strategies {
            var row = [s.name]
            for m in metrics {
                if let r = overall.first(where: { $0.strategy == s.name && $0.metric == m }) {
                    let half = (r.ciHigh - r.ciLow) / 2
                    row.append(half > 0 ? String(format: "%.4f ±%.4f", r.mean, half) : String(format: "%.4f", r.mean))
                } else {
                    row.append("-")
                }
            }
            row += [String(format: "%.2f", s.fitSeconds), String(format: "%.2f", s.evalSeconds)]
            body.append(row)
        }
        // Mark the best mean per metric.
        for (c, m) in metrics.enumerated() {
            let rows = overall.filter { $0.metric == m && !$0.mean.isNaN }
            guard rows.count > 1, let lower = rows.first?.lowerIsBetter else { continue }
            let best = lower ? rows.min { $0.mean < $1.mean }! : rows.max { $0.mean < $1.mean }!
            if let i = d.strategies.firstIndex(where: { $0.name == best.strategy }) { body[i][c + 1] += " *" }
        }
        header[0] = "strategy"
        var widths = header.map(\.count)
        for row in body { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                    : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
        }
        var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += body.map(line)
        out.append("mean ±95% CI half-width over users (rmse/mae: over folds or ratings); * = best mean per metric")
        if d.excludedUsers > 0 {
            out.append("\(d.excludedUsers) user-fold pairs without a relevant test item were excluded from ranking metrics")
        }
        let significant = d.comparisons.filter(\.significant).count
        if !d.comparisons.isEmpty {
            out.append("\(d.comparisons.count) paired comparisons (Wilcoxon, Holm-adjusted): \(significant) significant at alpha 0.05")
        }
        out += undefinedWarnings(d).map { "warning: " + $0 }
        for f in d.failures ?? [] { out.append("FAILED: strategy '\(f.strategy)' (\(f.type)) has no results: \(f.error)") }
        return out.joined(separator: "\n")
    }

    /// The search of a tuned run, one line per strategy: trials run, what ended the search, the best
    /// validation score and the selected parameters.
    public static func tuning(_ t: TuningRecord) -> String {
        let header = ["strategy", "trials", "stopped by", "validation \(t.metric)", "seconds", "selected"]
        var body: [[String]] = []
        for s in t.strategies {
            let best = s.trials.first { $0.id == s.selectedTrial }
            let selected = s.selected.keys.sorted().map { "\($0)=\(s.selected[$0]!)" }.joined(separator: ", ")
            body.append([s.strategy, String(s.trials.count), s.stoppedBy, best.map { String(format: "%.4f", $0.score) } ?? "-",
                         String(format: "%.1f", s.seconds), selected.isEmpty ? "(defaults)" : selected])
        }
        var widths = header.map(\.count)
        for row in body { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        var out = ["tuning: \(t.method) search on \(t.metric), validation = \(t.validation)",
                   line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += body.map(line)
        if t.secondsBudget != nil { out.append("note: a seconds budget makes the number of trials depend on machine speed (not reproducible)") }
        out.append("test results of the selected parameters (test parts read once, by the refit):")
        return out.joined(separator: "\n")
    }

    /// Metrics whose overall mean is undefined (nan) for some strategies, one line per metric: such a
    /// metric had no user it could be computed for (diversity of one-item lists, no relevant test item).
    public static func undefinedWarnings(_ d: OfflineResults) -> [String] {
        var byMetric: [(metric: String, strategies: [String])] = []
        for r in d.results where r.fold == nil && !r.mean.isFinite {
            if let i = byMetric.firstIndex(where: { $0.metric == r.metric }) { byMetric[i].strategies.append(r.strategy) }
            else { byMetric.append((r.metric, [r.strategy])) }
        }
        return byMetric.map { "\($0.metric) is undefined (nan) for \($0.strategies.joined(separator: ", ")): no user it could be computed for" }
    }

    /// The printed summary: one block per metric with each arm's mean and CI and the lift versus control.
    public static func ab(_ d: ABResults) -> String {
        var out = "A/B simulation '\(d.name)': \(d.days) days, world \(d.world), control '\(d.control)', alpha \(d.alpha)\n"
        out += "users: " + d.arms.map { "\($0.name) \($0.users)" }.joined(separator: ", ") + "\n"
        if d.srm.pValue.isFinite {
            out += String(format: "SRM: chi2 %.3f, p %.4g -> ", d.srm.chi2, d.srm.pValue)
                + (d.srm.ok ? "ok" : "SAMPLE RATIO MISMATCH (results untrustworthy)") + "\n"
        } else {
            out += "SRM: cannot be computed (too few users); the assignment is unchecked\n"
        }
        let header = "metric".padding(toLength: 24, withPad: " ", startingAt: 0) + "arm".padding(toLength: 16, withPad: " ", startingAt: 0)
            + "mean [95% CI]".padding(toLength: 34, withPad: " ", startingAt: 0) + "lift vs control [95% CI]".padding(toLength: 34, withPad: " ", startingAt: 0) + "p_adj"
        out += header + "\n"
        let names = d.arms.first.map { Array($0.metrics.keys).sorted() } ?? []
        for metric in names {
            for arm in d.arms {
                guard let m = arm.metrics[metric] else { continue }
                var line = metric.padding(toLength: 24, withPad: " ", startingAt: 0) + arm.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                line += String(format: "%.4g [%.4g, %.4g]", m.mean, m.ciLow, m.ciHigh).padding(toLength: 34, withPad: " ", startingAt: 0)
                if let c = d.comparisons.first(where: { $0.metric == metric && $0.arm == arm.name }) {
                    line += String(format: "%+.2f%% [%+.2f%%, %+.2f%%]", 100 * c.relLift, 100 * c.relCiLow, 100 * c.relCiHigh)
                        .padding(toLength: 34, withPad: " ", startingAt: 0)
                    line += String(format: "%.3g", c.pAdjusted) + (c.significant ? " *" : "")
                }
                out += line + "\n"
            }
        }
        for cu in d.cuped ?? [] {
            for c in cu.comparisons {
                out += "CUPED \(cu.metric) \(c.arm): " + String(format: "variance -%.1f%%, lift %+.4g [%+.4g, %+.4g], p_adj %.3g",
                              100 * cu.varianceReduction, c.lift, c.ciLow, c.ciHigh, c.pAdjusted) + (c.significant ? " *" : "") + "\n"
            }
        }
        for w in d.warnings ?? [] { out += "warning: \(w)\n" }
        return out
    }

    /// The printed table: one block per target policy.
    public static func ope(_ r: OPEResults) -> String {
        var out = "Off-policy evaluation '\(r.name)': logging policy \(r.loggingPolicy), \(r.logSize) logged visits\n"
        for t in r.targets {
            out += "\n" + t.policy + "\n  " + "true".padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(format: " %.4f [%.4f, %.4f]\n", t.trueValue, t.trueCiLow, t.trueCiHigh)
            for e in t.estimates {
                let covers = e.ciLow <= t.trueValue && t.trueValue <= e.ciHigh
                out += "  " + e.estimator.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(format: " %.4f [%.4f, %.4f]  bias %+.4f  n %d", e.value, e.ciLow, e.ciHigh, e.value - t.trueValue, e.n)
                    + (covers ? "" : "  (interval misses the true value)") + "\n"
            }
        }
        return out
    }

    /// What `reclab runs show` prints for a stored run: its provenance, its setup (split and strategies,
    /// or arms) and its table.
    public static func runDetail(_ document: ResultDocument) -> String {
        let p = document.provenance
        var lines = [
            "run        \(document.runId)  (\(document.name))",
            "config     \(p.configPath ?? "-")  sha256 \(p.configHash)",
            "dataset    \(p.dataset.name): \(p.dataset.users) users, \(p.dataset.movies) movies, \(p.dataset.interactions) interactions",
            "           content_hash \(p.dataset.contentHash)",
            "seed       \(p.seed)   RecLab \(p.reclabVersion)   commit \(p.gitCommit ?? "unknown")   at \(p.createdAt ?? "-")",
        ]
        let table: String
        switch document {
        case .offline(let d):
            lines.append("split      \(d.split.method) \(describe(d.split.parameters)), \(d.split.folds) fold(s)")
            lines.append("relevance  \(d.relevanceThreshold.map { "rating >= \($0)" } ?? "any test interaction")")
            lines += d.strategies.map { "strategy   \($0.name): \($0.type)\(parenthesised($0.parameters))" }
            table = offline(d)
        case .ab(let d):
            lines += d.arms.map { a in
                "arm        \(a.name): \(a.strategy)\(parenthesised(a.parameters)), weight \(a.weight)\(a.name == d.control ? ", control" : "")"
            }
            table = ab(d)
        case .ope(let d):
            table = ope(d)
        case .interleaving(let d):
            lines += d.teams.map { "strategy   \($0.name): \($0.strategy)\(parenthesised($0.parameters))" }
            table = interleaving(d)
        }
        return (lines + ["", table]).joined(separator: "\n")
    }

    private static func describe(_ parameters: [String: String], separator: String = " ") -> String {
        parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: separator)
    }

    private static func parenthesised(_ parameters: [String: String]) -> String {
        parameters.isEmpty ? "" : " (" + describe(parameters, separator: ", ") + ")"
    }
}
