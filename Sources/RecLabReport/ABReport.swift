import Foundation
import RecLabCore
import RecLabStats
import RecLabResults

/// The report of a simulated A/B test (ab.json).
enum ABReport {
    /// Preferred order of arm metrics in tables and charts; others follow alphabetically.
    static let metricPreference = ["ctr", "plays_per_visit", "watch_minutes_per_user", "completion_rate", "coverage", "gini", "novelty"]

    static func orderedMetrics(_ names: some Sequence<String>) -> [String] {
        let set = Set(names)
        return metricPreference.filter(set.contains) + set.subtracting(metricPreference).sorted()
    }

    static func srmBanner(_ srm: SRMResult) -> String {
        guard srm.pValue.isFinite else {
            return "> **⚠️ SRM CHECK NOT COMPUTABLE.** Too few users to test the assignment against the configured weights; " +
                "the assignment is unchecked and the lifts below are not to be trusted."
        }
        return "> **⚠️ SAMPLE RATIO MISMATCH: SRM CHECK FAILED.** The users assigned to the arms do not match the configured weights " +
        "(chi² = \(NumberFormat.short(srm.chi2)), \(NumberFormat.pEquals(srm.pValue)) < \(NumberFormat.p(srm.threshold))). " +
        "The assignment is broken; do not trust the lifts below until it is fixed."
    }

    static func build(_ d: ABResults, into c: inout ReportContent) {
        c.heading(1, "RecLab A/B report: \(d.name)")
        if !d.srm.ok {
            c.line(srmBanner(d.srm))
            c.line()
        }
        for w in d.warnings ?? [] {
            c.line("> **Warning:** \(w).")
            c.line()
        }
        let totalUsers = d.arms.reduce(0) { $0 + $1.users }
        c.line("Simulated A/B test over \(d.days) days on the \(d.world) world **\(d.provenance.dataset.name)**: \(d.arms.count) arms, " +
               "\(totalUsers) users, control **\(d.control)**, alpha \(NumberFormat.exact(d.alpha)). Means over users with 95% confidence intervals.")
        c.line()

        let metrics = orderedMetrics(d.arms.flatMap { $0.metrics.keys })

        // Headline: per metric, each treatment arm against control.
        c.heading(2, "Headline")
        var headline = ReportTable(slug: "headline", title: "Best arm per metric and its lift over control",
                                   columns: [TableColumn("metric"), TableColumn("best arm"), TableColumn("value", interval: true),
                                             TableColumn("relative lift vs control"), TableColumn("significant (Holm p)")], rows: [])
        for m in metrics {
            let lower = MetricDirection.lowerIsBetter(m)
            let cands = d.arms.compactMap { a in a.metrics[m].map { (arm: a.name, s: $0) } }
            guard let best = Headline.best(cands.map { $0.arm }, value: { name in cands.first { $0.arm == name }!.s.mean }, lowerIsBetter: lower),
                  let s = cands.first(where: { $0.arm == best })?.s else { continue }
            var lift = "-", verdict = "(control)"
            if best != d.control {
                if let cmp = d.comparisons.first(where: { $0.metric == m && $0.arm == best }) {
                    lift = "\(NumberFormat.percent(cmp.relLift)) [\(NumberFormat.percent(cmp.relCiLow)), \(NumberFormat.percent(cmp.relCiHigh))]"
                    verdict = (cmp.significant ? "yes" : "no") + " (\(NumberFormat.pEquals(cmp.pAdjusted)))"
                } else {
                    verdict = "not tested"
                }
            }
            headline.rows.append([.text(m + (lower ? " (lower is better)" : "")), .text(best),
                                  .interval(mean: s.mean, low: s.ciLow, high: s.ciHigh), .text(lift), .text(verdict)])
        }
        c.table(headline)

        CommonSections.provenance(d.provenance, runId: d.runId, kind: "A/B simulation", into: &c)
        CommonSections.datasetCard(d.provenance.dataset, into: &c)

        c.heading(2, "Arms")
        var arms = ReportTable(slug: "arms", title: "Arms, strategies and traffic",
                               columns: [TableColumn("arm"), TableColumn("strategy"), TableColumn("parameters"),
                                         TableColumn("weight", numeric: true), TableColumn("users", numeric: true)], rows: [])
        for a in d.arms {
            arms.rows.append([.text(a.name + (a.name == d.control ? " (control)" : "")), .text(a.strategy),
                              .text(CommonSections.parameters(a.parameters)), .number(a.weight), .integer(a.users)])
        }
        c.table(arms)

        // Sample ratio mismatch.
        c.heading(2, "Sample ratio mismatch (SRM)")
        if d.srm.ok {
            c.line("SRM check passed: chi² = \(NumberFormat.short(d.srm.chi2)), \(NumberFormat.pEquals(d.srm.pValue)) (fails below \(NumberFormat.p(d.srm.threshold))).")
        } else {
            c.line(srmBanner(d.srm))
        }
        c.line()
        var srm = ReportTable(slug: "srm", title: "Assigned users against the configured weights",
                              columns: [TableColumn("arm"), TableColumn("observed", numeric: true), TableColumn("expected", numeric: true),
                                        TableColumn("observed / expected", numeric: true)], rows: [])
        for name in d.arms.map(\.name) + d.srm.observed.keys.sorted().filter({ n in !d.arms.contains { $0.name == n } }) {
            let o = d.srm.observed[name], e = d.srm.expected[name]
            srm.rows.append([.text(name), o.map { .integer($0) } ?? .empty, e.map { .number($0) } ?? .empty,
                             (o != nil && e != nil && e! > 0) ? .number(Double(o!) / e!) : .empty])
        }
        c.table(srm)

        // Arm metrics.
        c.heading(2, "Metrics per arm")
        var table = ReportTable(slug: "arm-metrics", title: "Metrics per arm (mean [95% CI] over users)",
                                columns: [TableColumn("arm")] + metrics.map { TableColumn($0, interval: true) }, rows: [])
        for a in d.arms {
            table.rows.append([.text(a.name)] + metrics.map { m in a.metrics[m].map { .interval(mean: $0.mean, low: $0.ciLow, high: $0.ciHigh) } ?? .empty })
        }
        for (col, m) in metrics.enumerated() {
            let vals = d.arms.enumerated().compactMap { i, a in a.metrics[m].map { (i, $0.mean) } }.filter { $0.1.isFinite }
            guard !vals.isEmpty else { continue }
            let best = MetricDirection.lowerIsBetter(m) ? vals.map(\.1).min()! : vals.map(\.1).max()!
            for (i, v) in vals where v == best { table.emphasise(row: i, column: col + 1) }
        }
        c.table(table)

        // Lifts.
        if !d.comparisons.isEmpty {
            c.heading(2, "Lifts against control")
            c.line("Absolute lift (arm − control) and relative lift with 95% CIs; Welch t for per-user means, delta method for ratio metrics; " +
                   "p-values Holm-adjusted over arms × metrics; significant at alpha \(NumberFormat.exact(d.alpha)).")
            c.line()
            var lifts = ReportTable(slug: "lifts", title: "Lifts against control \(d.control)",
                                    columns: [TableColumn("metric"), TableColumn("arm"), TableColumn("lift", interval: true),
                                              TableColumn("relative lift", interval: true), TableColumn("p", numeric: true),
                                              TableColumn("Holm p", numeric: true), TableColumn("significant"), TableColumn("method")], rows: [])
            let sorted = d.comparisons.sorted { (metrics.firstIndex(of: $0.metric) ?? .max, $0.arm) < (metrics.firstIndex(of: $1.metric) ?? .max, $1.arm) }
            for cmp in sorted {
                lifts.rows.append([.text(cmp.metric), .text(cmp.arm), .interval(mean: cmp.lift, low: cmp.ciLow, high: cmp.ciHigh),
                                   .interval(mean: cmp.relLift, low: cmp.relCiLow, high: cmp.relCiHigh), .pValue(cmp.pValue),
                                   .pValue(cmp.pAdjusted), .text(cmp.significant ? "yes" : "no"), .text(cmp.method)])
            }
            c.table(lifts)
            c.chart(ChartBuilder.forest(name: "lift-forest", title: "Relative lift vs control arm \(d.control) (95% CI)",
                                        xlabel: "relative lift vs control (%)",
                                        rows: sorted.map { ("\($0.metric): \($0.arm)", $0.relLift * 100, $0.relCiLow * 100, $0.relCiHigh * 100, $0.significant) },
                                        highlightTitle: "significant (Holm-adjusted)", otherTitle: "not significant"))
        }

        // Power.
        if !d.power.isEmpty {
            c.heading(2, "Power")
            c.line("Minimum detectable effect (MDE) at alpha \(NumberFormat.exact(d.alpha)) for the observed variance and sample, and the users per arm needed for the target relative MDE.")
            c.line()
            var power = ReportTable(slug: "power", title: "Minimum detectable effects and sample sizes",
                                    columns: [TableColumn("metric"), TableColumn("arm"), TableColumn("MDE", numeric: true),
                                              TableColumn("relative MDE", numeric: true), TableColumn("target relative MDE", numeric: true),
                                              TableColumn("users per arm needed", numeric: true)], rows: [])
            for p in d.power {
                power.rows.append([.text(p.metric), .text(p.arm), .number(p.mde), .number(p.relativeMde), .number(p.targetRelativeMde), .integer(p.usersNeeded)])
            }
            c.table(power)
        }

        if let cuped = d.cuped, !cuped.isEmpty {
            c.heading(2, "CUPED")
            c.line("Variance reduction with the pre-experiment period as covariate (Deng et al. 2013).")
            c.line()
            var t = ReportTable(slug: "cuped", title: "CUPED-adjusted lifts",
                                columns: [TableColumn("metric"), TableColumn("theta", numeric: true), TableColumn("variance reduction", numeric: true),
                                          TableColumn("arm"), TableColumn("lift", interval: true), TableColumn("Holm p", numeric: true), TableColumn("significant")], rows: [])
            for r in cuped {
                for cmp in r.comparisons {
                    t.rows.append([.text(r.metric), .number(r.theta), .number(r.varianceReduction), .text(cmp.arm),
                                   .interval(mean: cmp.lift, low: cmp.ciLow, high: cmp.ciHigh), .pValue(cmp.pAdjusted), .text(cmp.significant ? "yes" : "no")])
                }
                if r.comparisons.isEmpty { t.rows.append([.text(r.metric), .number(r.theta), .number(r.varianceReduction), .empty, .empty, .empty, .empty]) }
            }
            c.table(t)
        }

        // Daily.
        if !d.daily.isEmpty {
            c.heading(2, "Over time")
            let dailyMetrics = orderedMetrics(d.daily.flatMap { $0.metrics.keys })
            let armNames = d.arms.map(\.name) + Set(d.daily.map(\.arm)).subtracting(d.arms.map(\.name)).sorted()
            for m in dailyMetrics {
                let series = armNames.map { arm in
                    Series(name: arm, points: d.daily.filter { $0.arm == arm }.sorted { $0.day < $1.day }.compactMap { day in
                        day.metrics[m].map { (Double(day.day), $0.mean, $0.ciLow, $0.ciHigh) }
                    })
                }.filter { !$0.points.isEmpty }
                c.chart(ChartBuilder.bands(name: "daily-\(m)", title: "\(MetricUnits.title(m)) per simulated day and arm (95% CI band)", xlabel: "simulated day",
                                           ylabel: MetricUnits.label(m), series: series))
            }
            let giniSeries = armNames.map { arm in
                Series(name: arm, points: d.daily.filter { $0.arm == arm }.sorted { $0.day < $1.day }.map { (Double($0.day), $0.gini, .nan, .nan) })
            }.filter { !$0.points.isEmpty }
            c.chart(ChartBuilder.lines(name: "daily-exposure-gini", title: "Exposure concentration per day (feedback loops show as a rising Gini)",
                                       xlabel: "simulated day", ylabel: MetricUnits.label("gini"), series: giniSeries, errorBars: false))
            var daily = ReportTable(slug: "daily", title: "Daily metrics per arm",
                                    columns: [TableColumn("day", numeric: true), TableColumn("arm"), TableColumn("visits", numeric: true),
                                              TableColumn("impressions", numeric: true), TableColumn("plays", numeric: true)] +
                                        dailyMetrics.map { TableColumn($0, interval: true) } +
                                        [TableColumn("gini", numeric: true), TableColumn("coverage", numeric: true)], rows: [])
            for r in d.daily.sorted(by: { ($0.day, armNames.firstIndex(of: $0.arm) ?? .max) < ($1.day, armNames.firstIndex(of: $1.arm) ?? .max) }) {
                daily.rows.append([.integer(r.day), .text(r.arm), .integer(r.visits), .integer(r.impressions), .integer(r.plays)] +
                                  dailyMetrics.map { m in r.metrics[m].map { .interval(mean: $0.mean, low: $0.ciLow, high: $0.ciHigh) } ?? .empty } +
                                  [.number(r.gini), .number(r.coverage)])
            }
            c.table(daily, inline: false)
            c.line()
        }

        if let s = d.sequential { SequentialReport.build(s, into: &c) }

        let exposed = d.arms.filter { !$0.exposure.isEmpty }
        if !exposed.isEmpty {
            c.heading(2, "Exposure")
            c.chart(ChartBuilder.lorenz(name: "exposure-lorenz", title: "Exposure concentration: Lorenz curves of impressions per arm",
                                        exposures: exposed.map { ($0.name, $0.exposure) }))
            var t = ReportTable(slug: "exposure", title: "Exposure of the catalogue per arm",
                                columns: [TableColumn("arm"), TableColumn("movies shown", numeric: true), TableColumn("catalogue share", numeric: true),
                                          TableColumn("Gini", numeric: true)], rows: [])
            for a in exposed {
                let covered = a.exposure.filter { $0 > 0 }.count
                t.rows.append([.text(a.name), .integer(covered), .number(Double(covered) / Double(a.exposure.count)), .number(Inequality.gini(a.exposure))])
            }
            c.table(t)
        }
        TruthReport.build(d, into: &c)
    }
}

/// The report of an off-policy evaluation (ope.json): estimates beside the on-policy truth.
enum OPEReport {
    static func build(_ d: OPEResults, into c: inout ReportContent) {
        c.heading(1, "RecLab off-policy evaluation report: \(d.name)")
        c.line("Logging policy **\(d.loggingPolicy)**, \(d.logSize) logged impressions; each target policy's estimates beside its true value from running it on-policy in the same world.")
        c.line()
        CommonSections.provenance(d.provenance, runId: d.runId, kind: "off-policy evaluation", into: &c)
        CommonSections.datasetCard(d.provenance.dataset, into: &c)
        c.heading(2, "Estimates")
        var t = ReportTable(slug: "ope-estimates", title: "Off-policy estimates against the true value",
                            columns: [TableColumn("policy"), TableColumn("estimator"), TableColumn("estimate", interval: true),
                                      TableColumn("true value", interval: true), TableColumn("bias", numeric: true),
                                      TableColumn("covers truth"), TableColumn("log entries used", numeric: true)], rows: [])
        var forest: [(String, Double, Double, Double, Bool)] = []
        for target in d.targets {
            forest.append(("\(target.policy): true value", target.trueValue, target.trueCiLow, target.trueCiHigh, false))
            for e in target.estimates {
                let covers = e.ciLow <= target.trueValue && target.trueValue <= e.ciHigh
                t.rows.append([.text(target.policy), .text(e.estimator), .interval(mean: e.value, low: e.ciLow, high: e.ciHigh),
                               .interval(mean: target.trueValue, low: target.trueCiLow, high: target.trueCiHigh),
                               .number(e.value - target.trueValue), .text(covers ? "yes" : "no"), .integer(e.n)])
                forest.append(("\(target.policy): \(e.estimator)", e.value, e.ciLow, e.ciHigh, true))
            }
        }
        c.table(t)
        if !forest.isEmpty {
            c.chart(ChartBuilder.forest(name: "ope-estimates", title: "Off-policy estimates and on-policy truth (95% CI)",
                                        xlabel: "policy value (reward per impression)", rows: forest.map { ($0.0, $0.1, $0.2, $0.3, $0.4) },
                                        reference: d.targets.count == 1 ? d.targets[0].trueValue : nil,
                                        highlightTitle: "estimate", otherTitle: "true value (on-policy)"))
        }
    }
}
