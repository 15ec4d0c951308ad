import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabStats
import RecLabStore
import RecLabTestSupport
import XCTest

/// Parses RFC 4180 CSV as the report writes it (CRLF rows, quoted fields).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var chars = Array(text), i = 0
    while i < chars.count {
        let ch = chars[i]
        if quoted {
            if ch == "\"" {
                if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
            } else { field.append(ch) }
        } else if ch == "\"" { quoted = true
        } else if ch == "," { row.append(field); field = ""
        } else if ch == "\r\n" || ch == "\n" { row.append(field); rows.append(row); row = []; field = ""
        } else { field.append(ch) }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    chars = []
    return rows
}

/// CSV as dictionaries keyed by header.
func csvRecords(_ table: ReportTable) -> [[String: String]] {
    let rows = parseCSV(table.csv)
    guard let header = rows.first else { return [] }
    return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}

final class ReportTableTests: XCTestCase {
    func testOfflineMetricTablesEqualTheDocument() throws {
        let doc = Fixtures.offline()
        let content = try Report.build(.offline(doc), charts: false)
        let table = try XCTUnwrap(content.tables.first { $0.slug == "metrics-k10" })
        let records = csvRecords(table)
        XCTAssertEqual(records.map { $0["strategy"] }, Fixtures.strategies)
        var checked = 0
        for r in doc.results where r.fold == nil && r.k == 10 {
            let row = try XCTUnwrap(records.first { $0["strategy"] == r.strategy })
            XCTAssertEqual(Double(row[r.metric] ?? ""), r.mean, "\(r.strategy) \(r.metric)")
            XCTAssertEqual(Double(row[r.metric + "_ci_low"] ?? ""), r.ciLow)
            XCTAssertEqual(Double(row[r.metric + "_ci_high"] ?? ""), r.ciHigh)
            checked += 1
        }
        XCTAssertEqual(checked, 4 * 7)
        // rmse only for biased-mf; the other strategies have empty cells.
        let rating = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "metrics-rating" }))
        XCTAssertEqual(Double(try XCTUnwrap(rating.first { $0["strategy"] == "biased-mf" })["rmse"] ?? ""), 0.912)
        XCTAssertEqual(rating.first { $0["strategy"] == "ease" }?["rmse"], "")
        // Markdown: the best value in bold (ease on ndcg@10, item-knn on gini@10 where lower is better).
        XCTAssertTrue(table.markdown.contains("**0.1100 [0.0992, 0.1208]**"), table.markdown)
        XCTAssertTrue(table.markdown.contains("**0.7100"), table.markdown)
        XCTAssertFalse(table.markdown.contains("**0.9700"))
        // Per-fold table values.
        let folds = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "metrics-per-fold" }))
        let easeFolds = try XCTUnwrap(folds.first { $0["strategy"] == "ease" && $0["metric"] == "ndcg@10" })
        XCTAssertEqual(Double(easeFolds["fold 1"] ?? ""), 0.11 + 0.001)
    }

    func testHeadlineIsDirectionAwareAndUsesComparisons() throws {
        let content = try Report.build(.offline(Fixtures.offline()), charts: false)
        let headline = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "headline" }))
        func row(_ m: String) -> [String: String]? { headline.first { $0["metric"]?.hasPrefix(m + " ") == true || $0["metric"] == m } }
        XCTAssertEqual(row("ndcg@10")?["best"], "ease")
        XCTAssertEqual(row("ndcg@10")?["runner-up"], "item-knn")
        XCTAssertEqual(row("ndcg@10")?["significant (Holm-adjusted Wilcoxon p)"], "yes (p = 6.0e-04)")
        XCTAssertEqual(try XCTUnwrap(Double(row("ndcg@10")?["difference"] ?? "")), 0.11 - 0.088, accuracy: 1e-15)
        XCTAssertEqual(row("hit@10")?["significant (Holm-adjusted Wilcoxon p)"], "no (p = 0.270)")
        XCTAssertEqual(row("precision@10")?["significant (Holm-adjusted Wilcoxon p)"], "not tested")
        // gini: lower is better, so item-knn (0.71) wins over most-popular (0.97).
        XCTAssertEqual(row("gini@10")?["best"], "item-knn")
        XCTAssertEqual(row("gini@10")?["metric"], "gini@10 (lower is better)")
        XCTAssertEqual(row("rmse")?["best"], "biased-mf")
        XCTAssertEqual(row("rmse")?["runner-up"], "-")
        // The report names what was run.
        XCTAssertTrue(content.markdown.contains("d1f0c0ffee000000"))
        XCTAssertTrue(content.markdown.contains("user-temporal"))
        XCTAssertTrue(content.markdown.contains("| seed | 42 |"))
        XCTAssertTrue(content.markdown.contains("commit `0123456789ab`"))
        XCTAssertTrue(content.markdown.contains("lambda=200"))
    }

    func testLaTeXEscapesSpecialsAndCSVQuotes() {
        let t = ReportTable(slug: "t", title: "50% of a_b & {c}", columns: [TableColumn("name"), TableColumn("x", numeric: true)],
                            rows: [[.text("als[f=64], \"big\" #1 ~ $^\\"), .number(0.5)]])
        XCTAssertTrue(t.latex.contains("\\caption{50\\% of a\\_b \\& \\{c\\}}"), t.latex)
        XCTAssertTrue(t.latex.contains("als[f=64], \"big\" \\#1 \\textasciitilde{} \\$\\textasciicircum{}\\textbackslash{} & 0.5000 \\\\"), t.latex)
        XCTAssertTrue(t.latex.contains("\\toprule") && t.latex.contains("\\midrule") && t.latex.contains("\\bottomrule"))
        XCTAssertTrue(t.latex.contains("\\begin{tabular}{lr}"))
        XCTAssertEqual(LaTeX.escape("a − b ≥ 4 ▼ rmse ↓"), "a $-$ b $\\geq$ 4 $\\downarrow$ rmse $\\downarrow$")
        XCTAssertEqual(t.csv, "name,x\r\n\"als[f=64], \"\"big\"\" #1 ~ $^\\\",0.5\r\n")
        XCTAssertEqual(parseCSV(t.csv)[1][0], "als[f=64], \"big\" #1 ~ $^\\")
    }

    func testGiniAndLorenzHandComputed() {
        // Gini by hand: [1,2,3,4] -> 2*(1+4+9+16)/(4*10) - 5/4 = 0.25; all mass on one of four -> 0.75.
        XCTAssertEqual(Inequality.gini([4, 1, 3, 2]), 0.25, accuracy: 1e-12)
        XCTAssertEqual(Inequality.gini([0, 0, 4, 0]), 0.75, accuracy: 1e-12)
        XCTAssertEqual(Inequality.gini([5, 5, 5]), 0, accuracy: 1e-12)
        // The chart's data file holds the Lorenz points: (0,0), (25,10), (50,30), (75,60), (100,100) in percent.
        let chart = ChartBuilder.lorenz(name: "l", title: "t", exposures: [("a", [4, 1, 3, 2])])
        XCTAssertEqual(chart.data.split(separator: "\n").filter { !$0.hasPrefix("#") }, ["0.0 0.0", "25.0 10.0", "50.0 30.0", "75.0 60.0", "100.0 100.0"])
        XCTAssertTrue(chart.script.contains("a (Gini 0.250)"))
    }
}

final class ChartTests: XCTestCase {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Root element name of an XML file (nil when it is not well-formed).
    final class RootFinder: NSObject, XMLParserDelegate {
        var root: String?
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if root == nil { root = elementName }
        }
    }

    func assertValidCharts(_ dir: URL, _ content: ReportContent, file: StaticString = #filePath, line: UInt = #line) throws {
        let markdown = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertFalse(content.charts.isEmpty, file: file, line: line)
        for chart in content.charts {
            let png = try Data(contentsOf: dir.appendingPathComponent("charts/\(chart.name).png"))
            XCTAssertEqual(Array(png.prefix(8)), Self.pngSignature, "\(chart.name).png", file: file, line: line)
            // IHDR: width and height, big-endian, at bytes 16..<24: a 1280x720 slide.
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertEqual([width, height], [1280, 720], chart.name, file: file, line: line)
            let svgURL = dir.appendingPathComponent("charts/\(chart.name).svg")
            let parser = try XCTUnwrap(XMLParser(contentsOf: svgURL))
            let finder = RootFinder()
            parser.delegate = finder
            XCTAssertTrue(parser.parse(), "\(chart.name).svg is not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
            XCTAssertEqual(finder.root, "svg", file: file, line: line)
            let script = try String(contentsOf: dir.appendingPathComponent("charts/\(chart.name).gp"), encoding: .utf8)
            XCTAssertTrue(script.contains("'\(chart.name).dat'"), file: file, line: line)
            XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("charts/\(chart.name).dat"), encoding: .utf8), chart.data, file: file, line: line)
            XCTAssertTrue(markdown.contains("](charts/\(chart.name).png)"), "report.md embeds \(chart.name)", file: file, line: line)
        }
    }

    func testOfflineReportDrawsValidPNGAndSVGWithTheMetricValues() throws {
        let dir = try TestSupport.temporaryDirectory(self).appendingPathComponent("report")
        let doc = Fixtures.offline()
        let content = try Report.build(.offline(doc), charts: true)
        try Report.write(content, to: dir, gnuplot: try Gnuplot.locate())
        try assertValidCharts(dir, content)
        let names = Set(content.charts.map(\.name))
        for expected in ["dataset-long-tail", "dataset-ratings", "bars-accuracy-k10", "bars-rating-error", "ndcg-by-k", "quality-vs-fit-time", "exposure-lorenz"] {
            XCTAssertTrue(names.contains(expected), "missing chart \(expected) in \(names.sorted())")
        }
        // Bars only at the main cutoff (k = 10 has the most metrics); k = 5 and 20 appear in ndcg-by-k.
        XCTAssertFalse(names.contains("bars-accuracy-k5"))
        // The bar chart's data holds every strategy's ndcg@10 mean and CI, exactly.
        let bars = try String(contentsOf: dir.appendingPathComponent("charts/bars-accuracy-k10.dat"), encoding: .utf8)
        let ndcgLine = try XCTUnwrap(bars.split(separator: "\n").first { $0.hasPrefix("\"ndcg@10\"") }).split(separator: " ").dropFirst().compactMap { Double($0) }
        let expected = Fixtures.strategies.flatMap { s in
            doc.results.filter { $0.strategy == s && $0.metric == "ndcg@10" && $0.fold == nil }.flatMap { [$0.mean, $0.ciLow, $0.ciHigh] }
        }
        XCTAssertEqual(ndcgLine, expected)
        // The Lorenz legend carries the Gini computed from the exposure counts.
        let lorenz = try String(contentsOf: dir.appendingPathComponent("charts/exposure-lorenz.gp"), encoding: .utf8)
        XCTAssertTrue(lorenz.contains("most-popular (Gini \(String(format: "%.3f", Inequality.gini(doc.exposure["most-popular"]!))))"), lorenz)
        XCTAssertEqual(Inequality.gini(doc.exposure["most-popular"]!), 0.95, accuracy: 1e-12) // 10 of 200 items equally: 1 - 10/200
        // Tables in three formats.
        for ext in ["md", "csv", "tex"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("tables/metrics-k10.\(ext)").path))
        }
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("tables/metrics-k10.csv"), encoding: .utf8),
                       content.tables.first { $0.slug == "metrics-k10" }!.csv)
        if let keep = ProcessInfo.processInfo.environment["RECLAB_KEEP_REPORT"] {
            try? FileManager.default.removeItem(atPath: keep + "/offline")
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: dir, to: URL(fileURLWithPath: keep + "/offline"))
            try Fixtures.write(doc, to: URL(fileURLWithPath: keep + "/offline-run/metrics.json"))
        }
    }

    func testABReportChartsAndLoudSRMFailure() throws {
        let dir = try TestSupport.temporaryDirectory(self).appendingPathComponent("ab")
        let doc = Fixtures.ab(srmOK: false)
        let content = try Report.build(.ab(doc), charts: true)
        try Report.write(content, to: dir, gnuplot: try Gnuplot.locate())
        try assertValidCharts(dir, content)
        let names = Set(content.charts.map(\.name))
        for expected in ["daily-ctr", "daily-watch-minutes-per-user", "lift-forest", "exposure-lorenz", "daily-exposure-gini"] {
            XCTAssertTrue(names.contains(expected), "missing chart \(expected) in \(names.sorted())")
        }
        let md = content.markdown
        let banner = try XCTUnwrap(md.range(of: "SAMPLE RATIO MISMATCH: SRM CHECK FAILED"))
        XCTAssertLessThan(banner.lowerBound, try XCTUnwrap(md.range(of: "## Headline")).lowerBound, "the SRM failure comes before everything else")
        XCTAssertTrue(md.contains("p = 1.4e-11"))
        // The daily band data holds the per-day CI.
        let band = try String(contentsOf: dir.appendingPathComponent("charts/daily-ctr.dat"), encoding: .utf8)
        let day1 = doc.daily.first { $0.day == 1 && $0.arm == "ease" }!.metrics["ctr"]!
        XCTAssertTrue(band.contains("1.0 \(day1.mean) \(day1.ciLow) \(day1.ciHigh)"), band)
        if let keep = ProcessInfo.processInfo.environment["RECLAB_KEEP_REPORT"] {
            try? FileManager.default.removeItem(atPath: keep + "/ab")
            try FileManager.default.copyItem(at: dir, to: URL(fileURLWithPath: keep + "/ab"))
        }
    }

    func testABTablesEqualTheDocumentAndPassingSRMIsQuiet() throws {
        let doc = Fixtures.ab(srmOK: true)
        let content = try Report.build(.ab(doc), charts: false)
        XCTAssertFalse(content.markdown.contains("SAMPLE RATIO MISMATCH"))
        XCTAssertTrue(content.markdown.contains("SRM check passed"))
        let lifts = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "lifts" }))
        XCTAssertEqual(lifts.count, doc.comparisons.count)
        for cmp in doc.comparisons {
            let row = try XCTUnwrap(lifts.first { $0["metric"] == cmp.metric && $0["arm"] == cmp.arm })
            XCTAssertEqual(Double(row["lift"] ?? ""), cmp.lift)
            XCTAssertEqual(Double(row["lift_ci_low"] ?? ""), cmp.ciLow)
            XCTAssertEqual(Double(row["relative lift_ci_high"] ?? ""), cmp.relCiHigh)
            XCTAssertEqual(Double(row["Holm p"] ?? ""), cmp.pAdjusted)
            XCTAssertEqual(row["significant"], cmp.significant ? "yes" : "no")
        }
        let arms = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "arm-metrics" }))
        for arm in doc.arms {
            let row = try XCTUnwrap(arms.first { $0["arm"] == arm.name })
            for (m, s) in arm.metrics { XCTAssertEqual(Double(row[m] ?? ""), s.mean, "\(arm.name) \(m)") }
        }
        let power = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "power" }))
        XCTAssertEqual(power.map { $0["users per arm needed"] }, ["6000", "6000"])
        let headline = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "headline" }))
        XCTAssertEqual(headline.first { $0["metric"] == "ctr" }?["best arm"], "ease")
        XCTAssertEqual(headline.first { $0["metric"] == "ctr" }?["relative lift vs control"], "+12.0% [+7.0%, +17.0%]")
    }

    func testMissingGnuplotIsAClearToolErrorAndNoChartsStillWorks() throws {
        XCTAssertThrowsError(try Gnuplot.locate(environment: ["RECLAB_GNUPLOT": "/nonexistent"])) { error in
            let e = error as? RecLabError
            XCTAssertEqual(e?.kind, .tool)
            XCTAssertTrue(e?.message.contains("gnuplot not found: RECLAB_GNUPLOT=/nonexistent") == true, "\(error)")
            XCTAssertTrue(e?.message.contains("apt-get install gnuplot-nox") == true)
            XCTAssertTrue(e?.message.contains("--no-charts") == true)
        }
        XCTAssertThrowsError(try Gnuplot.locate(environment: ["PATH": "/nonexistent-dir"])) { error in
            XCTAssertTrue("\(error)".contains("gnuplot not found on PATH"), "\(error)")
        }
        let dir = try TestSupport.temporaryDirectory(self).appendingPathComponent("plain")
        let content = try Report.build(.offline(Fixtures.offline()), charts: false)
        XCTAssertTrue(content.charts.isEmpty)
        try Report.write(content, to: dir, gnuplot: nil)
        let md = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("Charts were not drawn (`--no-charts`)"))
        XCTAssertFalse(md.contains("charts/"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("tables/metrics-k10.tex").path))
    }

    func testFailingGnuplotReportsItsStderrAndLeavesNoPartialOutput() throws {
        let tmp = try TestSupport.temporaryDirectory(self)
        let fake = tmp.appendingPathComponent("fake-gnuplot")
        try "#!/bin/sh\necho \"line 3: unknown terminal pngcairo\" >&2\nexit 3\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let dir = tmp.appendingPathComponent("out")
        let content = try Report.build(.offline(Fixtures.offline()), charts: true)
        XCTAssertThrowsError(try Report.write(content, to: dir, gnuplot: try Gnuplot.locate(environment: ["RECLAB_GNUPLOT": fake.path]))) { error in
            let e = error as? RecLabError
            XCTAssertEqual(e?.kind, .tool)
            XCTAssertTrue(e?.message.contains("unknown terminal pngcairo") == true, "\(error)")
            XCTAssertTrue(e?.message.contains("status 3") == true, "\(error)")
            XCTAssertTrue(e?.message.contains(".gp") == true, "names the script: \(error)")
            XCTAssertTrue(e?.message.contains("gnuplot") == true)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.md").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0 != "fake-gnuplot" }
        XCTAssertEqual(leftovers, [], "no staging folder or partial report left behind")
    }
}

final class LargeGridTests: XCTestCase {
    /// A 16-strategy grid: tables keep all of them, charts the best ten by ndcg@10.
    func testChartsOfLargeGridsShowTheBestTen() throws {
        var doc = Fixtures.offline()
        let base = doc.results, runs = doc.strategies
        for i in 1...3 {
            doc.strategies += runs.map { var r = $0; r.name += "[v=\(i)]"; return r }
            doc.results += base.map { var r = $0; r.strategy += "[v=\(i)]"; r.mean *= 1 + 0.01 * Double(i); return r }
        }
        XCTAssertEqual(doc.strategies.count, 16)
        let content = try Report.build(.offline(doc), charts: true)
        XCTAssertEqual(csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "metrics-k10" })).count, 16)
        let bars = try XCTUnwrap(content.charts.first { $0.name == "bars-accuracy-k10" })
        XCTAssertTrue(bars.title.hasSuffix(", best 10 of 16 by ndcg@10"), bars.title)
        let ndcgRow = try XCTUnwrap(bars.data.split(separator: "\n").first { $0.hasPrefix("\"ndcg@10\"") })
        XCTAssertEqual(ndcgRow.split(separator: " ").count, 1 + 3 * 10)
        // The ten kept are the best: every ease and item-knn variant (ndcg 0.11 and 0.088 x up to 1.03) and the
        // two best biased-mf variants (0.066 x 1.03, x 1.02) beat every most-popular variant (at most 0.0605 x 1.03).
        XCTAssertFalse(bars.script.contains("'most-popular"), bars.script)
        XCTAssertTrue(bars.script.contains("'biased-mf[v=3]'") && !bars.script.contains("'biased-mf'"), bars.script)
        XCTAssertTrue(content.markdown.contains("Charts show the best 10 of 16 strategies by ndcg@10"))
    }
}

/// The tuning section of a tuned run's report: selection, every trial, a metric-against-parameter chart.
final class TuningReportTests: XCTestCase {
    func testTuningSectionListsEveryTrialAndChartsTheSearch() throws {
        var doc = Fixtures.offline()
        let trials = [(1, "50", 0.101), (0, "400", 0.108), (2, "2000", 0.104)].map { id, lambda, score in
            TrialRecord(id: id, rung: nil, parameters: ["lambda": lambda], seed: 9, score: score, foldScores: [score],
                        maxIterations: nil, bestIterations: nil, seconds: 0.5)
        }
        doc.tuning = TuningRecord(metric: "ndcg@10", lowerIsBetter: false, method: "random", trialsBudget: 3, secondsBudget: nil, patience: 3,
                                  validation: "user-temporal: each user's latest 0.2 of training interactions",
                                  strategies: [StrategyTuning(strategy: "ease", type: "ease",
                                                              space: [SearchAxisRecord(parameter: "lambda", domain: "log 10…5000")],
                                                              trials: trials, selectedTrial: 0, selected: ["lambda": "400"], stoppedBy: "trials", seconds: 1.5)])
        let content = try Report.build(.offline(doc), charts: true)
        XCTAssertTrue(content.markdown.contains("## Tuning"))
        XCTAssertTrue(content.markdown.contains("the test parts were read once"))
        let selection = try XCTUnwrap(content.tables.first { $0.slug == "tuning-selection" })
        XCTAssertEqual(selection.rows.first, [.text("ease"), .integer(3), .text("trials"), .number(0.108), .number(1.5), .text("lambda=400")])
        let table = try XCTUnwrap(content.tables.first { $0.slug == "trials-ease" })
        XCTAssertEqual(table.rows.map { $0[2] }, [.text("50"), .text("400"), .text("2000")])
        XCTAssertEqual(table.rows.map { $0.last }, [.text(""), .text("yes"), .text("")])
        // The chart's data: validation score against lambda, sorted by lambda, on a log axis.
        let chart = try XCTUnwrap(content.charts.first { $0.name == "tuning-ease-lambda" })
        let points = chart.data.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ").prefix(2).map { Double($0)! } }
        XCTAssertEqual(points, [[50, 0.101], [400, 0.108], [2000, 0.104]])
        XCTAssertTrue(chart.commands.contains("set logscale x"))
    }
}
