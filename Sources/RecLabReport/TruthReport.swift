import Foundation
import RecLabCore
import RecLabResults

/// The long-term and truth sections of an A/B report: assumptions, long-term curves, per-day lift curves with
/// their CIs (and the true effect), decision flips, every estimate beside the true effect, OPE beside both.
enum TruthReport {
    static func build(_ d: ABResults, into c: inout ReportContent) {
        c.heading(2, "Assumptions")
        c.line("What the simulated users do, as modelled (see docs/simulation.md):")
        c.line()
        c.line("- Users see a home page filled by their arm's strategy, look at tiles with position bias (examination model) and play a looked-at title with the world's play probability (true affinity, popularity, release novelty).")
        for a in d.longTerm?.assumptions ?? ["User dynamics: not recorded in this document (static users: fixed daily visit probability, no churn, no fatigue or novelty effects)."] {
            c.line("- " + a)
        }
        if d.truth != nil {
            c.line("- Truth worlds: one per arm, every user served that arm and its strategy retrained on all users' logs; each user-day draws from the same random stream in every world (common random numbers), so effects are paired per user.")
        }
        c.line()
        if let lt = d.longTerm { longTerm(lt, d, into: &c) }
        if let t = d.truth { truth(t, d, into: &c) }
    }

    static func flipSentence(_ f: DecisionFlip) -> String {
        let verdict = f.earlySign > 0 ? "wins" : "loses"
        let other = f.earlySign > 0 ? "falls behind the control" : "pulls ahead of the control"
        guard let day = f.flipDay else { return "'\(f.arm)' \(verdict) on CTR in the first two weeks, and \(f.metric) agrees throughout" }
        var s = "'\(f.arm)' \(verdict) on CTR in the first two weeks, but on \(f.metric) it \(other) from day \(day) on"
        if let sig = f.significantFlipDay { s += " (significantly from day \(sig))" }
        return s
    }

    static func longTerm(_ lt: LongTermResults, _ d: ABResults, into c: inout ReportContent) {
        c.heading(2, "Long-term outcomes")
        let arms = d.arms.map(\.name)
        let lastDay = lt.daily.map(\.day).max() ?? 0
        var t = ReportTable(slug: "long-term", title: "Long-term outcomes at the end of the experiment (day \(lastDay), 95% CI over users)",
                            columns: [TableColumn("arm"), TableColumn("retention", interval: true), TableColumn("cumulative watch minutes", interval: true),
                                      TableColumn("days active", interval: true), TableColumn("churned users", numeric: true)], rows: [])
        for arm in arms {
            guard let r = lt.daily.first(where: { $0.arm == arm && $0.day == lastDay }) else { continue }
            func cell(_ m: String) -> TableCell { r.metrics[m].map { .interval(mean: $0.mean, low: $0.ciLow, high: $0.ciHigh) } ?? .empty }
            t.rows.append([.text(arm), cell("retention"), cell("cumulative_watch_minutes"), cell("days_active"), .integer(r.churned)])
        }
        c.table(t)
        for m in ["retention", "cumulative_watch_minutes", "days_active"] {
            let series = arms.map { arm in
                Series(name: arm, points: lt.daily.filter { $0.arm == arm }.sorted { $0.day < $1.day }.compactMap { r in
                    r.metrics[m].map { (Double(r.day), $0.mean, $0.ciLow, $0.ciHigh) }
                })
            }.filter { !$0.points.isEmpty }
            c.chart(ChartBuilder.bands(name: "longterm-\(Chart.slug(m))", title: "\(m.replacingOccurrences(of: "_", with: " ")) per arm over the experiment (95% CI band)",
                                       xlabel: "experiment day", ylabel: m.replacingOccurrences(of: "_", with: " "), series: series))
        }

        // Decision flips.
        if !lt.flips.isEmpty {
            c.heading(3, "When the decision flips")
            c.line("The short-term verdict is the sign of the arm's CTR lift over the first two weeks; a flip is the first day from which a long-term (cumulative) metric stays on the other side of it.")
            c.line()
            let ab = lt.flips.filter { $0.source == "ab" && $0.flipDay != nil }
            if ab.isEmpty {
                c.line("No decision flips: every cumulative metric agrees with the two-week CTR verdict by the end.")
            } else {
                for f in ab { c.line("- **Decision flip:** " + flipSentence(f) + ".") }
            }
            c.line()
            var ft = ReportTable(slug: "flips", title: "Cumulative lifts against the two-week CTR verdict (from the A/B test and, when run, the truth)",
                                 columns: [TableColumn("arm"), TableColumn("metric"), TableColumn("source"), TableColumn("two-week CTR verdict"),
                                           TableColumn("flips on day", numeric: true), TableColumn("significant from day", numeric: true)], rows: [])
            for f in lt.flips {
                ft.rows.append([.text(f.arm), .text(f.metric), .text(f.source), .text(f.earlySign > 0 ? "wins" : "loses"),
                                f.flipDay.map { .integer($0) } ?? .text("never"), f.significantFlipDay.map { .integer($0) } ?? .text("never")])
            }
            c.table(ft)
        }

        // Per-day lift curves for every metric.
        c.heading(3, "Lift over time")
        c.line("Per-day lift of each arm over the control with its 95% CI band (cumulative metrics: up to that day; daily metrics: that day's visiting users)" +
               (d.truth != nil ? ", and the true effect of shipping the arm from the truth worlds (dashed)." : "."))
        c.line()
        let metrics = Array(Set(lt.lifts.map(\.metric))).sorted()
        for m in metrics {
            var series: [Series] = []
            for arm in arms where arm != d.control {
                let rows = lt.lifts.filter { $0.metric == m && $0.arm == arm }.sorted { $0.day < $1.day }
                guard !rows.isEmpty else { continue }
                series.append(Series(name: "\(arm) (A/B)", points: rows.map { (Double($0.day), $0.lift, $0.ciLow, $0.ciHigh) }))
                if rows.contains(where: { $0.trueEffect != nil }) {
                    series.append(Series(name: "\(arm) (truth)", points: rows.compactMap { r in
                        r.trueEffect.map { (Double(r.day), $0, r.trueCiLow ?? .nan, r.trueCiHigh ?? .nan) }
                    }))
                }
            }
            guard !series.isEmpty else { continue }
            c.chart(ChartBuilder.bands(name: "lift-over-time-\(Chart.slug(m))", title: "Lift in \(m.replacingOccurrences(of: "_", with: " ")) over control \(d.control) per day (95% CI band)",
                                       xlabel: "experiment day", ylabel: "lift (arm − control)", series: series))
        }
    }

    static func truth(_ t: TruthResults, _ d: ABResults, into c: inout ReportContent) {
        c.heading(2, "The truth beside the estimate")
        c.line("One counterfactual world per arm in which every user gets that arm (\(t.users) users paired across worlds). True effect = the arm's world minus the control's world; bias = A/B estimate − true effect; covered = the A/B 95% CI contains the true effect.")
        c.line()
        var table = ReportTable(slug: "truth", title: "A/B estimates against the true effect of shipping each arm",
                                columns: [TableColumn("metric"), TableColumn("arm"), TableColumn("A/B estimate", interval: true),
                                          TableColumn("true effect", interval: true), TableColumn("bias", numeric: true),
                                          TableColumn("bias / |true|", numeric: true), TableColumn("covered")], rows: [])
        let covered = t.effects.filter(\.covered).count
        for e in t.effects {
            table.rows.append([.text(e.metric), .text(e.arm), .interval(mean: e.abLift, low: e.abCiLow, high: e.abCiHigh),
                               .interval(mean: e.trueEffect, low: e.trueCiLow, high: e.trueCiHigh), .number(e.bias),
                               e.trueEffect != 0 ? .number(e.bias / abs(e.trueEffect)) : .empty, .text(e.covered ? "yes" : "no")])
        }
        c.line("The A/B intervals covered the true effect in \(covered) of \(t.effects.count) metric × arm pairs.")
        c.line()
        c.table(table)
        // Relative to the control world's value, so metrics on different scales share one axis; one chart per arm.
        let controlWorld = t.worlds.first { $0.arm == d.control }
        for arm in d.arms.map(\.name) where arm != d.control {
            var rows: [(String, Double, Double, Double, Bool)] = []
            for e in t.effects where e.arm == arm {
                guard let base = controlWorld?.metrics[e.metric]?.mean, base != 0, base.isFinite else { continue }
                rows.append(("\(e.metric) true", 100 * e.trueEffect / abs(base), 100 * e.trueCiLow / abs(base), 100 * e.trueCiHigh / abs(base), false))
                rows.append(("\(e.metric) A/B", 100 * e.abLift / abs(base), 100 * e.abCiLow / abs(base), 100 * e.abCiHigh / abs(base), true))
            }
            guard !rows.isEmpty else { continue }
            c.chart(ChartBuilder.forest(name: "truth-vs-ab-\(Chart.slug(arm))", title: "\(arm): A/B estimate and true effect (95% CI)",
                                        xlabel: "effect (% of the control world's value)", rows: rows,
                                        highlightTitle: "A/B estimate", otherTitle: "true effect"))
        }

        c.heading(3, "Off-policy evaluation against the A/B test and the truth")
        if let note = t.opeNote {
            c.line("Not run: \(note).")
            c.line()
            return
        }
        c.line("Each treatment arm estimated from the control arm's logged featured slots (row 0, slot 0) and their logged propensities with the OPE estimators (replay, IPS, SNIPS, DM, DR), as an effect on the featured slot's play rate (featured_ctr), beside the A/B estimate and the true effect.")
        c.line()
        var ot = ReportTable(slug: "ope-vs-ab-vs-truth", title: "OPE, A/B and true effect on featured_ctr",
                             columns: [TableColumn("arm"), TableColumn("estimator"), TableColumn("OPE effect", interval: true),
                                       TableColumn("A/B estimate", interval: true), TableColumn("true effect", interval: true),
                                       TableColumn("contexts", numeric: true)], rows: [])
        var forest: [(String, Double, Double, Double, Bool)] = []
        for arm in Array(Set(t.ope.map(\.arm))).sorted() {
            let rs = t.ope.filter { $0.arm == arm }
            guard let first = rs.first else { continue }
            forest.append(("\(arm): truth", first.trueEffect, first.trueCiLow, first.trueCiHigh, false))
            forest.append(("\(arm): A/B", first.abLift, first.abCiLow, first.abCiHigh, false))
            for r in rs {
                ot.rows.append([.text(arm), .text(r.estimator), .interval(mean: r.opeEffect, low: r.opeCiLow, high: r.opeCiHigh),
                                .interval(mean: r.abLift, low: r.abCiLow, high: r.abCiHigh),
                                .interval(mean: r.trueEffect, low: r.trueCiLow, high: r.trueCiHigh), .integer(r.n)])
                forest.append(("\(arm): OPE \(r.estimator)", r.opeEffect, r.opeCiLow, r.opeCiHigh, true))
            }
        }
        c.table(ot)
        if !forest.isEmpty {
            c.chart(ChartBuilder.forest(name: "ope-vs-ab-vs-truth", title: "featured_ctr effect: OPE, A/B and truth (95% CI)",
                                        xlabel: "effect on featured-slot play rate", rows: forest,
                                        highlightTitle: "OPE estimate", otherTitle: "A/B estimate and true effect"))
        }
    }
}
