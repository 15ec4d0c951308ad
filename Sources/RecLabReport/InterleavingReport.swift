import Foundation
import RecLabCore
import RecLabResults

/// The report of a simulated interleaving experiment (interleaving.json).
enum InterleavingReport {
    static func build(_ d: InterleavingResults, into c: inout ReportContent) {
        c.heading(1, "RecLab interleaving report: \(d.name)")
        let kind = d.method == "team-draft" ? "Team-draft interleaving" : "Team-draft multileaving"
        c.line("\(kind) of \(d.teams.count) strategies over \(d.days) days on the \(d.world) world **\(d.provenance.dataset.name)**: " +
               "\(d.users) users, each seeing one page whose personalised rows mix the strategies; credit: \(d.credit.replacingOccurrences(of: "_", with: " ")). " +
               "Alpha \(NumberFormat.exact(d.alpha)).")
        c.line()
        c.heading(2, "Headline")
        var t = ReportTable(slug: "preferences", title: "Preference per pair of strategies (users preferring a minus users preferring b, over all users)",
                            columns: [TableColumn("a"), TableColumn("b"), TableColumn("wins", numeric: true), TableColumn("losses", numeric: true),
                                      TableColumn("ties", numeric: true), TableColumn("preference Δ", interval: true),
                                      TableColumn("sign-test p", numeric: true), TableColumn("Holm p", numeric: true), TableColumn("winner")], rows: [])
        for p in d.pairs {
            t.rows.append([.text(p.a), .text(p.b), .integer(p.wins), .integer(p.losses), .integer(p.ties),
                           .interval(mean: p.preference, low: p.ciLow, high: p.ciHigh), .pValue(p.pValue), .pValue(p.pAdjusted),
                           .text(p.winner ?? "none (not significant)")])
        }
        c.table(t)
        c.chart(ChartBuilder.forest(name: "preference-forest", title: "Interleaving preference Δ per pair (95% CI; > 0 favours a)",
                                    xlabel: "preference Δ = (wins − losses) / users",
                                    rows: d.pairs.map { ("\($0.a) vs \($0.b)", $0.preference, $0.ciLow, $0.ciHigh, $0.significant) },
                                    reference: 0, highlightTitle: "significant (Holm-adjusted)", otherTitle: "not significant"))

        CommonSections.provenance(d.provenance, runId: d.runId, kind: "interleaving simulation", into: &c)
        CommonSections.datasetCard(d.provenance.dataset, into: &c)

        c.heading(2, "Teams")
        let totalImpressions = max(1, d.teams.reduce(0) { $0 + $1.impressions })
        var teams = ReportTable(slug: "teams", title: "What each strategy contributed and was credited with",
                                columns: [TableColumn("strategy"), TableColumn("type"), TableColumn("parameters"),
                                          TableColumn("impressions", numeric: true), TableColumn("impression share", numeric: true),
                                          TableColumn("credited plays", numeric: true), TableColumn("credited minutes", numeric: true)], rows: [])
        for tm in d.teams {
            teams.rows.append([.text(tm.name), .text(tm.strategy), .text(CommonSections.parameters(tm.parameters)), .integer(tm.impressions),
                               .number(Double(tm.impressions) / Double(totalImpressions)), .number(tm.creditedPlays), .number(tm.creditedMinutes)])
        }
        c.table(teams)
        c.line("Team drafting gives every strategy an equal share of the drafted slots in expectation (a fair coin, or a random order per round, decides who picks first).")
        c.line()

        if !d.daily.isEmpty {
            c.heading(2, "Over time")
            let pairNames = d.pairs.map { "\($0.a) vs \($0.b)" }
            let series = d.pairs.map { p in
                Series(name: "\(p.a) vs \(p.b)", points: d.daily.filter { $0.a == p.a && $0.b == p.b }.sorted { $0.day < $1.day }
                    .map { (Double($0.day), $0.preference, $0.ciLow, $0.ciHigh) })
            }
            c.chart(ChartBuilder.bands(name: "daily-preference", title: "Cumulative preference Δ by simulated day (95% CI band)",
                                       xlabel: "simulated day", ylabel: "preference Δ", series: series))
            var daily = ReportTable(slug: "daily-preference", title: "Cumulative preference by day",
                                    columns: [TableColumn("day", numeric: true), TableColumn("pair"), TableColumn("users", numeric: true),
                                              TableColumn("preference Δ", interval: true), TableColumn("sign-test p", numeric: true)], rows: [])
            for r in d.daily.sorted(by: { ($0.day, pairNames.firstIndex(of: "\($0.a) vs \($0.b)") ?? 0) < ($1.day, pairNames.firstIndex(of: "\($1.a) vs \($1.b)") ?? 0) }) {
                daily.rows.append([.integer(r.day), .text("\(r.a) vs \(r.b)"), .integer(r.users),
                                   .interval(mean: r.preference, low: r.ciLow, high: r.ciHigh), .pValue(r.pValue)])
            }
            c.table(daily, inline: false)
            c.line()
        }

        c.heading(2, "Assumptions")
        for a in d.assumptions { c.line("- " + a) }
        c.line()
    }
}

/// The sequential-testing section of an A/B report (ab.json's `sequential` block).
enum SequentialReport {
    static func build(_ s: SequentialResults, into c: inout ReportContent) {
        c.heading(2, "Sequential testing (daily looks)")
        let name: String
        switch s.method {
        case "confidence-sequence": name = "always-valid confidence sequence (Howard et al. 2021, GrowthBook's parameterisation, N* = \(NumberFormat.short(s.tuning ?? .nan)) users)"
        case "obrien-fleming": name = "group-sequential test with Lan-DeMets O'Brien-Fleming-type alpha spending"
        default: name = "group-sequential test with Lan-DeMets Pocock-type alpha spending"
        }
        c.line("Each simulated day is a look, tested with the \(name) at alpha \(NumberFormat.exact(s.alpha)).")
        c.line()
        var stops = ReportTable(slug: "sequential-stops", title: "The day each comparison could stop",
                                columns: [TableColumn("metric"), TableColumn("arm"), TableColumn("CUPED"), TableColumn("stop day (alone)"),
                                          TableColumn("stop day (Holm over metrics)"), TableColumn("last z", numeric: true),
                                          TableColumn("last boundary", numeric: true)], rows: [])
        for m in s.metrics {
            let last = m.looks.last
            stops.rows.append([.text(m.metric), .text(m.arm), .text(m.cuped ? "yes" : "no"),
                               .text(m.stopDay.map(String.init) ?? "never"), .text(m.holmStopDay.map(String.init) ?? "never"),
                               last.map { .number($0.z) } ?? .empty, last.map { .number($0.boundary) } ?? .empty])
        }
        c.table(stops)
        for m in s.metrics {
            let zs = Series(name: "z statistic", points: m.looks.map { (Double($0.day), $0.z, .nan, .nan) })
            let up = Series(name: "boundary", points: m.looks.filter { $0.boundary.isFinite }.map { (Double($0.day), $0.boundary, .nan, .nan) })
            let down = Series(name: "−boundary", points: m.looks.filter { $0.boundary.isFinite }.map { (Double($0.day), -$0.boundary, .nan, .nan) })
            let naive = Series(name: "fixed-horizon ±1.96 (naive)", points: m.looks.map { (Double($0.day), $0.naiveBoundary, .nan, .nan) })
            c.chart(ChartBuilder.lines(name: "sequential-\(m.metric)-\(m.arm)", title: "\(m.metric), \(m.arm) vs control: z and the \(s.method) boundary",
                                       xlabel: "simulated day", ylabel: "z", series: [zs, up, down, naive], errorBars: false))
        }
        var looks = ReportTable(slug: "sequential-looks", title: "Statistic and boundary day by day",
                                columns: [TableColumn("metric"), TableColumn("arm"), TableColumn("day", numeric: true), TableColumn("users", numeric: true),
                                          TableColumn("information fraction", numeric: true), TableColumn("difference", interval: true),
                                          TableColumn("z", numeric: true), TableColumn("boundary", numeric: true), TableColumn("crossed")], rows: [])
        for m in s.metrics {
            for l in m.looks {
                looks.rows.append([.text(m.metric), .text(m.arm), .integer(l.day), .integer(l.users), .number(l.fraction),
                                   .interval(mean: l.difference, low: l.ciLow, high: l.ciHigh), .number(l.z), .number(l.boundary),
                                   .text(abs(l.z) >= l.boundary ? "yes" : "no")])
            }
        }
        c.table(looks, inline: false)
        c.line()
        for n in s.notes { c.line("- " + n) }
        c.line()
    }
}

/// Reports of `reclab validate interleaving` and `reclab validate peeking` (written with `--out`).
public enum ValidationReports {
    public static func interleaving(_ v: InterleavingValidationSummary, charts: Bool) -> ReportContent {
        var c = ReportContent(drawsCharts: charts)
        c.heading(1, "Interleaving sensitivity: \(v.name)")
        c.line("\(v.a) against \(v.b) on the \(v.world) world, \(v.seeds) seeds, \(v.days) simulated days: users needed for \(NumberFormat.percent(v.targetPower, signed: false)) power at alpha \(NumberFormat.exact(v.alpha)).")
        c.line()
        c.line("Ratio A/B users / interleaving users: geometric mean **\(NumberFormat.short(v.ratioGeometricMean))** (95% interval \(NumberFormat.short(v.ratioLow))–\(NumberFormat.short(v.ratioHigh))); " +
               "interleaving picked the strategy with the larger true effect in \(v.agreements) of \(v.seeds) seeds.")
        c.line()
        var t = ReportTable(slug: "sensitivity", title: "Users needed per seed",
                            columns: [TableColumn("seed", numeric: true), TableColumn("interleaving users", numeric: true),
                                      TableColumn("A/B users (both arms)", numeric: true), TableColumn("A/B metric"), TableColumn("ratio", numeric: true)], rows: [])
        for k in 0..<v.seeds {
            t.rows.append([.integer(k), v.interleavingUsers[k].map { .number($0) } ?? .text("not reached"),
                           v.abUsers[k].map { .number($0) } ?? .text("not reached"), .text(v.abMetric[k]),
                           v.ratios[k].map { .number($0) } ?? .empty])
        }
        c.table(t)
        c.chart(ChartBuilder.lines(name: "power-vs-users", title: "Power against users: interleaving and the A/B test's best metric",
                                   xlabel: "users in the test", ylabel: "power", series: v.curves.map { curve in
                                       Series(name: curve.name, points: zip(curve.users, curve.power).map { (Double($0), $1, .nan, .nan) })
                                   }, logX: true, errorBars: false))
        for n in v.notes { c.line("- " + n) }
        c.line()
        return c
    }

    public static func peeking(_ v: PeekingValidationSummary, charts: Bool) -> ReportContent {
        var c = ReportContent(drawsCharts: charts)
        c.heading(1, "Peeking: \(v.name)")
        c.line("Metric \(v.metric), \(v.days) daily looks, alpha \(NumberFormat.exact(v.alpha)); \(v.aaSalts) A/A assignments, \(v.plantedSeeds) planted-effect seeds.")
        c.line()
        var t = ReportTable(slug: "peeking", title: "False positives under daily looks and early stopping on a planted effect",
                            columns: [TableColumn("method"), TableColumn("A/A ever significant", numeric: true),
                                      TableColumn("planted: stopped", numeric: true), TableColumn("mean stop day", numeric: true),
                                      TableColumn("user-days saved", numeric: true)], rows: [])
        t.rows.append([.text("fixed horizon (last day only)"), .number(Double(v.fixedAASignificant) / Double(max(v.aaSalts, 1))),
                       .number(Double(v.fixedPlantedSignificant) / Double(max(v.plantedSeeds, 1))), .number(Double(v.days - 1)), .number(0)])
        for m in v.methods {
            t.rows.append([.text(m.name), .number(Double(m.aaEverSignificant) / Double(max(v.aaSalts, 1))),
                           .number(Double(m.plantedStopped) / Double(max(v.plantedSeeds, 1))), .number(m.meanStopDay), .number(m.userDaysSaved)])
        }
        c.table(t)
        c.chart(ChartBuilder.lines(name: "aa-ever-significant", title: "A/A tests ever significant by day",
                                   xlabel: "simulated day", ylabel: "share of A/A tests", series: v.curves.map { curve in
                                       Series(name: curve.name, points: zip(curve.users, curve.power).map { (Double($0), $1, .nan, .nan) })
                                   }, errorBars: false))
        for n in v.notes { c.line("- " + n) }
        c.line()
        return c
    }
}
