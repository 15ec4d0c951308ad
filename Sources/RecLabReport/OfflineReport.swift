import Foundation
import RecLabCore
import RecLabStats
import RecLabResults

/// The report of an offline evaluation (metrics.json).
enum OfflineReport {
    /// Most strategies one chart shows.
    static let maxChartSeries = 10
    /// Ranking-accuracy metrics (values in 0...1, higher is better), charted together per k.
    static let accuracyBases: Set<String> = ["precision", "recall", "ndcg", "map", "mrr", "hit"]
    /// Beyond-accuracy metrics in 0...1, charted together per k.
    static let shareBases: Set<String> = ["coverage", "gini", "diversity"]
    static let ratingBases: Set<String> = ["rmse", "mae"]

    /// Rows over all folds (fold nil); documents without such rows fall back to all rows.
    static func overallRows(_ d: OfflineResults) -> [MetricResult] {
        let overall = d.results.filter { $0.fold == nil }
        return overall.isEmpty ? d.results : overall
    }

    /// Metric names in order of first appearance.
    static func metricOrder(_ rows: [MetricResult]) -> [String] {
        var seen = Set<String>(), out: [String] = []
        for r in rows where seen.insert(r.metric).inserted { out.append(r.metric) }
        return out
    }

    static func strategyOrder(_ d: OfflineResults, rows: [MetricResult]) -> [String] {
        var out = d.strategies.map(\.name)
        for r in rows where !out.contains(r.strategy) { out.append(r.strategy) }
        return out
    }

    static func build(_ d: OfflineResults, into c: inout ReportContent) {
        let rows = overallRows(d)
        let metrics = metricOrder(rows)
        let strategies = strategyOrder(d, rows: rows)
        var lookup: [String: MetricResult] = [:]
        for r in rows { lookup[r.strategy + "\u{1}" + r.metric] = r }
        func result(_ s: String, _ m: String) -> MetricResult? { lookup[s + "\u{1}" + m] }

        c.heading(1, "RecLab report: \(d.name)")
        c.line("Offline evaluation of \(strategies.count) strategies on **\(d.provenance.dataset.name)** " +
               "(\(d.provenance.dataset.users) users, \(d.provenance.dataset.movies) movies, \(d.provenance.dataset.interactions) interactions), " +
               "\(metrics.count) metrics. Means over users with 95% confidence intervals.")
        c.line()
        // A partial run says so before anything else: its tables miss the failed strategies.
        for f in d.failures ?? [] {
            c.line("> **⚠️ FAILED: strategy \(f.strategy) (\(f.type)) has no results.** \(f.error)")
            c.line()
        }
        let undefined = rows.filter { !$0.mean.isFinite }
        for m in metricOrder(undefined) {
            let names = undefined.filter { $0.metric == m }.map(\.strategy)
            c.line("> **Warning:** \(m) is undefined (nan) for \(names.joined(separator: ", ")): no user it could be computed for.")
            c.line()
        }

        // Headline.
        c.heading(2, "Headline")
        var headline = ReportTable(slug: "headline", title: "Best strategy per metric",
                                   columns: [TableColumn("metric"), TableColumn("best"), TableColumn("value", interval: true),
                                             TableColumn("runner-up"), TableColumn("difference", numeric: true),
                                             TableColumn("significant (Holm-adjusted Wilcoxon p)")],
                                   rows: [])
        for m in metrics {
            let candidates = strategies.compactMap { result($0, m) }.filter { $0.mean.isFinite }
            guard let best = Headline.best(candidates, value: \.mean, lowerIsBetter: candidates.first?.lowerIsBetter ?? false) else { continue }
            let runner = Headline.runnerUp(candidates, best: best, value: \.mean, lowerIsBetter: best.lowerIsBetter)
            var verdict = "(only one strategy)"
            var difference = TableCell.empty
            if let runner {
                difference = .number(best.mean - runner.mean)
                if let cmp = d.comparisons.first(where: { $0.metric == m && Set([$0.a, $0.b]) == Set([best.strategy, runner.strategy]) }) {
                    verdict = (cmp.significant ? "yes" : "no") + " (\(NumberFormat.pEquals(cmp.pAdjusted)))"
                } else {
                    verdict = "not tested"
                }
            }
            headline.rows.append([.text(m + (best.lowerIsBetter ? " (lower is better)" : "")), .text(best.strategy),
                                  .interval(mean: best.mean, low: best.ciLow, high: best.ciHigh),
                                  .text(runner?.strategy ?? "-"), difference, .text(verdict)])
        }
        c.table(headline)

        CommonSections.provenance(d.provenance, runId: d.runId, kind: "offline", into: &c)
        CommonSections.datasetCard(d.provenance.dataset, into: &c)

        // Protocol.
        c.heading(2, "Protocol")
        let splitParams = d.split.parameters.isEmpty ? "" : " (" + CommonSections.parameters(d.split.parameters) + ")"
        c.line("- split: **\(d.split.method)**\(splitParams), \(d.split.folds) fold\(d.split.folds == 1 ? "" : "s")")
        c.line("- relevance: " + (d.relevanceThreshold.map { "test ratings ≥ \(NumberFormat.exact($0))" } ?? "every test interaction (implicit feedback)"))
        c.line("- ranking over the full catalogue minus each user's training items")
        c.line("- users excluded (no relevant test item): \(d.excludedUsers)")
        c.line()

        var strategyTable = ReportTable(slug: "strategies", title: "Strategies and parameters",
                                        columns: [TableColumn("strategy"), TableColumn("type"), TableColumn("parameters"),
                                                  TableColumn("fit (s)", numeric: true), TableColumn("evaluation (s)", numeric: true)],
                                        rows: [])
        for s in d.strategies {
            strategyTable.rows.append([.text(s.name), .text(s.type), .text(CommonSections.parameters(s.parameters)),
                                       .number(s.fitSeconds), .number(s.evalSeconds)])
        }
        c.table(strategyTable)

        // Metric tables: one per cutoff (rating metrics apart).
        // Charts stay readable with at most `maxChartSeries` strategies: large grids chart their best by the
        // quality metric (tables keep them all).
        var charted = strategies
        var chartNote = ""
        if strategies.count > maxChartSeries, let quality = qualityMetric(metrics, rows: rows) {
            let lower = rows.first { $0.metric == quality }?.lowerIsBetter ?? false
            let ranked = strategies.filter { result($0, quality)?.mean.isFinite == true }
                .sorted { lower ? result($0, quality)!.mean < result($1, quality)!.mean : result($0, quality)!.mean > result($1, quality)!.mean }
            let keep = Set(ranked.prefix(maxChartSeries))
            charted = strategies.filter(keep.contains)
            chartNote = ", best \(charted.count) of \(strategies.count) by \(quality)"
            c.line("> Charts show the best \(charted.count) of \(strategies.count) strategies by \(quality); the tables list all.")
            c.line()
        }
        c.heading(2, "Metrics")
        c.line("Mean [95% CI] per strategy; the best value per metric in bold.")
        c.line()
        let groups = metricGroups(metrics, rows: rows)
        // Bars for the rating metrics and for the main cutoff (most metrics; ties: nearest to 10); the other
        // cutoffs appear in the metric-against-k charts.
        let mainK = groups.filter { $0.k != nil }.max { a, b in
            (a.metrics.count, -abs(a.k! - 10)) < (b.metrics.count, -abs(b.k! - 10))
        }?.k
        for g in groups {
            var table = ReportTable(slug: g.slug, title: g.title,
                                    columns: [TableColumn("strategy")] + g.metrics.map { TableColumn($0, interval: true) }, rows: [])
            for s in strategies {
                table.rows.append([.text(s)] + g.metrics.map { m in
                    result(s, m).map { .interval(mean: $0.mean, low: $0.ciLow, high: $0.ciHigh) } ?? .empty
                })
            }
            for (col, m) in g.metrics.enumerated() {
                let cands = strategies.enumerated().compactMap { i, s in result(s, m).map { (i, $0) } }.filter { $0.1.mean.isFinite }
                guard let lower = cands.first?.1.lowerIsBetter else { continue }
                let bestValue = lower ? cands.map(\.1.mean).min()! : cands.map(\.1.mean).max()!
                for (i, r) in cands where r.mean == bestValue { table.emphasise(row: i, column: col + 1) }
            }
            c.table(table)
            if g.k == nil || g.k == mainK { chartGroup(g, strategies: charted, note: chartNote, result: result, into: &c) }
        }

        // Metric against k.
        let byBase = Dictionary(grouping: rows.filter { $0.k != nil }, by: \.base)
        let basesWithSeveralK = metricOrder(rows).compactMap { m -> String? in
            guard let r = rows.first(where: { $0.metric == m }), let group = byBase[r.base] else { return nil }
            return Set(group.compactMap(\.k)).count > 1 ? r.base : nil
        }
        var seenBase = Set<String>()
        let kBases = basesWithSeveralK.filter { seenBase.insert($0).inserted }
        if !kBases.isEmpty && c.drawsCharts {
            c.heading(3, "Metrics against the cutoff k")
            for base in kBases {
                let ks = Set(byBase[base]!.compactMap(\.k)).sorted()
                let series = charted.map { s in
                    Series(name: s, points: ks.compactMap { k in
                        byBase[base]!.first { $0.strategy == s && $0.k == k }.map { (Double(k), $0.mean, $0.ciLow, $0.ciHigh) }
                    })
                }.filter { !$0.points.isEmpty }
                c.chart(ChartBuilder.lines(name: "\(base)-by-k", title: "\(base) against the cutoff k (95% CI)\(chartNote)", xlabel: "cutoff k (list length)",
                                           ylabel: MetricUnits.label(base), series: series, xtics: ks.map(Double.init),
                                           logX: (ks.last ?? 1) / max(ks.first ?? 1, 1) >= 8))
            }
        }

        // Quality against fit time.
        if let quality = qualityMetric(metrics, rows: rows), c.drawsCharts, d.strategies.count > 1 {
            c.heading(3, "Quality against fit time")
            let points = d.strategies.filter { charted.contains($0.name) }.compactMap { s -> (String, Double, Double, Double, Double)? in
                guard let r = result(s.name, quality) else { return nil }
                return (s.name, max(s.fitSeconds, 0.001), r.mean, r.ciLow, r.ciHigh)
            }
            let times = points.map(\.1)
            let logX = (times.max() ?? 1) / max(times.min() ?? 1, 0.001) >= 20
            c.chart(ChartBuilder.labelledScatter(name: "quality-vs-fit-time", title: "\(quality) against fit time per strategy\(chartNote)",
                                                 xlabel: "fit time (seconds\(logX ? ", log scale" : ""); below 1 ms shown at 1 ms)",
                                                 ylabel: MetricUnits.label(quality),
                                                 points: points.map { ($0.0, $0.1, $0.2, $0.3, $0.4) }, logX: logX))
        }

        // Exposure.
        let exposed = strategies.compactMap { s in d.exposure[s].map { (name: s, counts: $0) } }
        if !exposed.isEmpty {
            c.heading(2, "Exposure")
            let k = d.exposureK.map { "top-\($0)" } ?? "top-k"
            var table = ReportTable(slug: "exposure", title: "Exposure of the catalogue in \(k) lists",
                                    columns: [TableColumn("strategy"), TableColumn("movies recommended", numeric: true),
                                              TableColumn("catalogue share", numeric: true), TableColumn("Gini", numeric: true)], rows: [])
            for e in exposed {
                let covered = e.counts.filter { $0 > 0 }.count
                table.rows.append([.text(e.name), .integer(covered),
                                   .number(e.counts.isEmpty ? .nan : Double(covered) / Double(e.counts.count)), .number(Inequality.gini(e.counts))])
            }
            c.table(table)
            c.chart(ChartBuilder.lorenz(name: "exposure-lorenz", title: "Exposure concentration: Lorenz curves of \(k) recommendations",
                                        exposures: exposed.filter { charted.contains($0.name) }))
        }

        // Significance.
        if !d.comparisons.isEmpty {
            c.heading(2, "Paired comparisons")
            c.line("Per-user differences a − b: mean with 95% CI, paired t and Wilcoxon signed-rank p-values, Holm-adjusted Wilcoxon p over all comparisons of the run.")
            c.line()
            var table = ReportTable(slug: "comparisons", title: "Paired comparisons between strategies",
                                    columns: [TableColumn("metric"), TableColumn("a"), TableColumn("b"), TableColumn("a − b", interval: true),
                                              TableColumn("paired t p", numeric: true), TableColumn("Wilcoxon p", numeric: true),
                                              TableColumn("Holm p", numeric: true), TableColumn("significant"), TableColumn("users", numeric: true)],
                                    rows: [])
            for cmp in d.comparisons {
                table.rows.append([.text(cmp.metric), .text(cmp.a), .text(cmp.b),
                                   .interval(mean: cmp.difference, low: cmp.ciLow, high: cmp.ciHigh),
                                   .pValue(cmp.tP), .pValue(cmp.wilcoxonP), .pValue(cmp.pAdjusted),
                                   .text(cmp.significant ? "yes" : "no"), .integer(cmp.nUsers)])
            }
            c.table(table, inline: d.comparisons.count <= 40)
        }

        // Per fold.
        let foldRows = d.results.filter { $0.fold != nil }
        if !foldRows.isEmpty {
            let folds = Set(foldRows.compactMap(\.fold)).sorted()
            var table = ReportTable(slug: "metrics-per-fold", title: "Means per fold",
                                    columns: [TableColumn("strategy"), TableColumn("metric")] + folds.map { TableColumn("fold \($0)", numeric: true) },
                                    rows: [])
            for s in strategies {
                for m in metrics {
                    let cells = folds.map { f in foldRows.first { $0.strategy == s && $0.metric == m && $0.fold == f }.map { TableCell.number($0.mean) } ?? .empty }
                    if cells.contains(where: { $0 != .empty }) { table.rows.append([.text(s), .text(m)] + cells) }
                }
            }
            c.heading(3, "Per fold")
            c.table(table, inline: table.rows.count <= 40)
        }
        if let tuning = d.tuning { buildTuning(tuning, into: &c) }
    }

    /// A tuned run's search: the selection per strategy, every trial, and the validation metric against each
    /// searched numeric parameter (one chart per strategy and parameter).
    static func buildTuning(_ t: TuningRecord, into c: inout ReportContent) {
        c.heading(2, "Tuning")
        c.line("Parameters were selected by \(t.method) search on the validation \(t.metric) " +
               "(\(t.lowerIsBetter ? "lower" : "higher") is better), validation = \(t.validation). " +
               "Budget per strategy: \(t.trialsBudget.map { "\($0) trials" } ?? "the whole grid")" +
               "\(t.secondsBudget.map { String(format: ", %g seconds (machine-dependent: the trial count is not reproducible)", $0) } ?? ""); " +
               "iterative strategies stop after \(t.patience) validation checks without improvement. " +
               "The tables above are the test results of the selected parameters, refitted on each whole training fold: " +
               "the test parts were read once.")
        c.line()
        var summary = ReportTable(slug: "tuning-selection", title: "Selected parameters (validation \(t.metric))",
                                  columns: [TableColumn("strategy"), TableColumn("trials", numeric: true), TableColumn("stopped by"),
                                            TableColumn("validation \(t.metric)", numeric: true), TableColumn("seconds", numeric: true),
                                            TableColumn("selected")], rows: [])
        for s in t.strategies {
            let best = s.trials.first { $0.id == s.selectedTrial }
            let selected = s.selected.keys.sorted().map { "\($0)=\(s.selected[$0]!)" }.joined(separator: ", ")
            summary.rows.append([.text(s.strategy), .integer(s.trials.count), .text(s.stoppedBy), best.map { .number($0.score) } ?? .empty,
                                 .number(s.seconds), .text(selected.isEmpty ? "(defaults)" : selected)])
        }
        c.table(summary)
        for s in t.strategies where !s.space.isEmpty {
            let names = s.space.map(\.parameter)
            var table = ReportTable(slug: "trials-\(Chart.slug(s.strategy))", title: "\(s.strategy): trials",
                                    columns: [TableColumn("trial", numeric: true), TableColumn("rung")] + names.map { TableColumn($0) } +
                                        [TableColumn("validation \(t.metric)", numeric: true), TableColumn("best iterations"),
                                         TableColumn("seconds", numeric: true), TableColumn("selected")], rows: [])
            for trial in s.trials {
                var row: [TableCell] = [.integer(trial.id), trial.rung.map { .integer($0) } ?? .empty]
                row += names.map { name in trial.parameters[name].map { .text($0) } ?? .empty }
                row += [trial.score.isFinite ? .number(trial.score) : .text(trial.error.map { "failed: \($0)" } ?? "nan"),
                        .text(trial.bestIterations?.map(String.init).joined(separator: ", ") ?? ""),
                        .number(trial.seconds), .text(trial.id == s.selectedTrial ? "yes" : "")]
                table.rows.append(row)
            }
            c.heading(3, "\(s.strategy): \(s.trials.count) trials")
            c.line("Search space: " + s.space.map { "\($0.parameter) \($0.domain)" }.joined(separator: "; ") + ".")
            c.line()
            c.table(table, inline: table.rows.count <= 40)
            for axis in s.space {
                let points = s.trials.compactMap { trial -> (x: Double, y: Double, low: Double, high: Double)? in
                    guard let x = trial.parameters[axis.parameter].flatMap(Double.init), trial.score.isFinite else { return nil }
                    return (x, trial.score, .nan, .nan)
                }.sorted { $0.x < $1.x }
                guard Set(points.map(\.x)).count > 1 else { continue }
                let logX = axis.domain.hasPrefix("log") && points.allSatisfy { $0.x > 0 }
                c.chart(ChartBuilder.lines(name: "tuning-\(Chart.slug(s.strategy))-\(Chart.slug(axis.parameter))",
                                           title: "\(s.strategy): validation \(t.metric) against \(axis.parameter) (each trial)",
                                           xlabel: axis.parameter + (logX ? " (log scale)" : ""), ylabel: "validation \(t.metric)",
                                           series: [Series(name: s.strategy, points: points)], logX: logX, errorBars: false))
            }
        }
    }

    struct MetricGroup {
        var slug: String
        var title: String
        var k: Int?
        var metrics: [String]
    }

    /// Rating metrics apart, then one group per cutoff k.
    static func metricGroups(_ metrics: [String], rows: [MetricResult]) -> [MetricGroup] {
        var info: [String: MetricResult] = [:]
        for r in rows where info[r.metric] == nil { info[r.metric] = r }
        var groups: [MetricGroup] = []
        let unranked = metrics.filter { info[$0]?.k == nil }
        if !unranked.isEmpty {
            groups.append(MetricGroup(slug: "metrics-rating", title: "Rating prediction and other uncut metrics", k: nil, metrics: unranked))
        }
        let ks = Set(metrics.compactMap { info[$0]?.k }).sorted()
        for k in ks {
            groups.append(MetricGroup(slug: "metrics-k\(k)", title: "Metrics at k = \(k)", k: k, metrics: metrics.filter { info[$0]?.k == k }))
        }
        return groups
    }

    /// Bar charts of a group: metrics sharing a unit drawn together, others alone.
    static func chartGroup(_ g: MetricGroup, strategies: [String], note: String, result: (String, String) -> MetricResult?, into c: inout ReportContent) {
        guard c.drawsCharts else { return }
        func base(_ m: String) -> String { result(strategies.first { result($0, m) != nil } ?? "", m)?.base ?? m }
        var bundles: [(name: String, title: String, ylabel: String, metrics: [String])] = []
        let suffix = g.k.map { " at k = \($0)" } ?? ""
        let slugK = g.k.map { "-k\($0)" } ?? ""
        let accuracy = g.metrics.filter { accuracyBases.contains(base($0)) }
        let shares = g.metrics.filter { shareBases.contains(base($0)) }
        let rating = g.metrics.filter { ratingBases.contains(base($0)) }
        if !accuracy.isEmpty { bundles.append(("bars-accuracy\(slugK)", "Ranking accuracy\(suffix) (mean, 95% CI)", "score (0-1, higher is better)", accuracy)) }
        if !rating.isEmpty { bundles.append(("bars-rating-error", "Rating prediction error (mean, 95% CI)", "error (rating points, lower is better)", rating)) }
        if !shares.isEmpty {
            bundles.append(("bars-beyond-accuracy\(slugK)", "Coverage, diversity and exposure concentration\(suffix)",
                            "share (0-1; Gini: lower is more even)", shares))
        }
        for m in g.metrics where !accuracy.contains(m) && !shares.contains(m) && !rating.contains(m) {
            bundles.append(("bars-\(m)", "\(m) per strategy (mean, 95% CI)", MetricUnits.label(base(m)), [m]))
        }
        for b in bundles {
            let values = strategies.map { s in b.metrics.map { m in result(s, m).map { BarValue(mean: $0.mean, low: $0.ciLow, high: $0.ciHigh) } } }
            let present = strategies.indices.filter { values[$0].contains { $0 != nil } }
            guard !present.isEmpty else { continue }
            if b.metrics.count == 1 {
                // One metric: strategies along the x axis, each in its usual colour.
                c.chart(ChartBuilder.bars(name: b.name, title: b.title + note, ylabel: b.ylabel,
                                          items: present.map { (strategies[$0], values[$0][0]!, $0) }))
                continue
            }
            c.chart(ChartBuilder.groupedBars(name: b.name, title: b.title + note, ylabel: b.ylabel, groups: b.metrics,
                                             series: present.map { strategies[$0] }, values: present.map { values[$0] }))
        }
    }

    /// The metric used for the quality/fit-time chart: ndcg at the smallest k, else the first ranking metric, else rmse.
    static func qualityMetric(_ metrics: [String], rows: [MetricResult]) -> String? {
        let ndcg = rows.filter { $0.base == "ndcg" }.min { abs(($0.k ?? 0) - 10) < abs(($1.k ?? 0) - 10) }
        if let ndcg { return ndcg.metric }
        if let accuracy = metrics.first(where: { m in rows.contains { $0.metric == m && accuracyBases.contains($0.base) } }) { return accuracy }
        return metrics.first
    }
}

/// Best and runner-up, direction-aware; ties go to the first in order.
enum Headline {
    static func best<T>(_ items: [T], value: (T) -> Double, lowerIsBetter: Bool) -> T? {
        var best: T?
        for item in items where value(item).isFinite {
            if let b = best {
                if lowerIsBetter ? value(item) < value(b) : value(item) > value(b) { best = item }
            } else {
                best = item
            }
        }
        return best
    }

    static func runnerUp<T: Equatable>(_ items: [T], best: T, value: (T) -> Double, lowerIsBetter: Bool) -> T? {
        var rest = items
        if let i = rest.firstIndex(of: best) { rest.remove(at: i) }
        return self.best(rest, value: value, lowerIsBetter: lowerIsBetter)
    }
}
