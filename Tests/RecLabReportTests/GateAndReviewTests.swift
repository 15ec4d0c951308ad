import Foundation
import RecLabCore
import RecLabReport
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

final class SprintReviewTests: XCTestCase {
    /// Current run: ease ndcg@10 up 30% (improvement), item-knn ndcg@10 down 2% (small regression),
    /// biased-mf rmse up by 0.2 (a regression although the number rose: lower is better).
    func plantedRuns() -> (previous: ResultDocument, current: ResultDocument) {
        let previous = Fixtures.offline(runId: "offline-previous0000")
        let current = Fixtures.offline(adjust: { s, m, v in
            switch (s, m) {
            case ("ease", "ndcg@10"): return v * 1.3
            case ("item-knn", "ndcg@10"): return v * 0.98
            case ("biased-mf", "rmse"): return v + 0.2
            case ("biased-mf", "mae"): return v - 0.2
            default: return v
            }
        })
        return (.offline(previous), .offline(current))
    }

    func testPlantedImprovementAndRegressionsAreFlaggedDirectionAware() throws {
        let (previous, current) = plantedRuns()
        let deltas = SprintReview.deltas(current: current, previous: previous).deltas
        func delta(_ s: String, _ m: String) throws -> MetricDelta { try XCTUnwrap(deltas.first { $0.subject == s && $0.metric == m }) }
        let ease = try delta("ease", "ndcg@10")
        XCTAssertEqual(ease.verdict, .improvement)
        XCTAssertTrue(ease.significant)
        // Oracle: scipy, 2 * norm.sf(|0.033| / sqrt(se_prev^2 + se_cur^2)) with se = CI half-width / 1.959964.
        XCTAssertEqual(ease.pValue, 0.00017590755061422953, accuracy: 1e-12)
        let knn = try delta("item-knn", "ndcg@10")
        XCTAssertEqual(knn.verdict, .regression)
        XCTAssertFalse(knn.significant)
        XCTAssertEqual(knn.pValue, 0.7856747910789557, accuracy: 1e-12)
        XCTAssertEqual(try delta("biased-mf", "rmse").verdict, .regression)
        XCTAssertTrue(try delta("biased-mf", "rmse").significant)
        XCTAssertEqual(try delta("biased-mf", "mae").verdict, .improvement)
        XCTAssertEqual(try delta("ease", "recall@10").verdict, .unchanged)
        XCTAssertEqual(deltas.filter { $0.verdict != .unchanged }.count, 4)

        let content = try Report.build(current, previous: previous, charts: false)
        XCTAssertTrue(content.markdown.contains("## Since last sprint"))
        XCTAssertTrue(content.markdown.contains("**2 improvements** (2 significant), **2 regressions** (1 significant)"), content.markdown)
        let rows = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "since-last-sprint" }))
        XCTAssertEqual(rows.first { $0["strategy"] == "ease" && $0["metric"] == "ndcg@10" }?["verdict"], "▲ improvement (significant)")
        XCTAssertEqual(rows.first { $0["strategy"] == "item-knn" && $0["metric"] == "ndcg@10" }?["verdict"], "▼ REGRESSION (not significant)")
        XCTAssertEqual(rows.first { $0["strategy"] == "biased-mf" && $0["metric"] == "rmse ↓" }?["verdict"], "▼ REGRESSION (significant)")
        XCTAssertEqual(Double(rows.first { $0["strategy"] == "ease" && $0["metric"] == "ndcg@10" }?["change"] ?? ""), 0.11 * 1.3 - 0.11)
    }

    func testSprintReviewOfABRunsAndKindMismatch() throws {
        let previous = ResultDocument.ab(Fixtures.ab())
        let current = ResultDocument.ab(Fixtures.ab(adjust: { a, m, v in a == "ease" && m == "ctr" ? v * 0.8 : v }))
        let deltas = SprintReview.deltas(current: current, previous: previous).deltas
        XCTAssertEqual(deltas.filter { $0.verdict == .regression }.map { "\($0.subject) \($0.metric)" }, ["ease ctr"])
        XCTAssertThrowsError(try Report.build(current, previous: .offline(Fixtures.offline()), charts: false)) { error in
            XCTAssertEqual((error as? RecLabError)?.kind, .usage)
        }
    }
}

final class RegressionGateTests: XCTestCase {
    func gate(_ current: OfflineResults, tolerance: Tolerance? = nil, perMetric: [String: Tolerance] = [:],
              baseline: Baseline? = nil) throws -> GateReport {
        let base = try baseline ?? Baseline.from(.offline(Fixtures.offline()))
        return try RegressionGate.check(.offline(current), against: base, baselinePath: "ci.json", tolerance: tolerance, metricTolerances: perMetric)
    }

    func testIdenticalRunPasses() throws {
        let report = try gate(Fixtures.offline())
        XCTAssertTrue(report.passed)
        XCTAssertEqual(report.rows.count, 4 * 9 + 2)
        XCTAssertTrue(report.warnings.isEmpty)
    }

    func testPlantedRegressionFailsAndToleranceDecides() throws {
        // ease ndcg@10 drops 5%: beyond the default 2%.
        let worse = Fixtures.offline(adjust: { s, m, v in s == "ease" && m == "ndcg@10" ? v * 0.95 : v })
        let report = try gate(worse)
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.regressions.map { "\($0.subject) \($0.metric)" }, ["ease ndcg@10"])
        XCTAssertEqual(report.regressions[0].worsening, 0.11 * 0.05, accuracy: 1e-15)
        XCTAssertTrue(report.regressionTable.markdown.contains("| ease | ndcg@10 |"))
        // A 1% drop is within the default tolerance; a 10% tolerance for ndcg (base name) or ndcg@10 lets 5% pass.
        XCTAssertTrue(try gate(Fixtures.offline(adjust: { s, m, v in s == "ease" && m == "ndcg@10" ? v * 0.99 : v })).passed)
        XCTAssertTrue(try gate(worse, perMetric: ["ndcg": .relative(0.1)]).passed)
        XCTAssertTrue(try gate(worse, perMetric: ["ndcg@10": try Tolerance(parsing: "10%")]).passed)
        XCTAssertTrue(try gate(worse, tolerance: .relative(0.06)).passed)
        XCTAssertFalse(try gate(worse, tolerance: .absolute(0.005)).passed) // drop is 0.0055
        XCTAssertTrue(try gate(worse, tolerance: .absolute(0.006)).passed)
        // Tolerances stored in the baseline apply unless the command line overrides them.
        let lenient = try Baseline.from(.offline(Fixtures.offline()), metricTolerances: ["ndcg@10": .relative(0.1)])
        XCTAssertTrue(try gate(worse, baseline: lenient).passed)
        XCTAssertFalse(try gate(worse, perMetric: ["ndcg@10": .relative(0.01)], baseline: lenient).passed)
        // An override for a metric the baseline does not track is a typo, not a silent no-op.
        XCTAssertThrowsError(try gate(worse, perMetric: ["ndgc": .relative(0.1)])) { error in
            XCTAssertEqual((error as? RecLabError)?.kind, .usage)
            XCTAssertTrue("\(error)".contains("'ndgc'"), "\(error)")
        }
    }

    func testDirectionLowerIsBetterForRMSE() throws {
        let higherRMSE = Fixtures.offline(adjust: { _, m, v in m == "rmse" ? v * 1.05 : v })
        let report = try gate(higherRMSE)
        XCTAssertEqual(report.regressions.map(\.metric), ["rmse"])
        let lowerRMSE = Fixtures.offline(adjust: { _, m, v in m == "rmse" ? v * 0.95 : v })
        let better = try gate(lowerRMSE)
        XCTAssertTrue(better.passed)
        XCTAssertEqual(better.rows.filter { $0.status == .improved }.map(\.metric), ["rmse"])
        // gini is marked lower_is_better in the document: a rise is a regression.
        XCTAssertEqual(try gate(Fixtures.offline(adjust: { s, m, v in s == "ease" && m == "gini@10" ? v * 1.1 : v })).regressions.map(\.metric), ["gini@10"])
    }

    func testUnusableInputAndWarnings() throws {
        let missing = Fixtures.offline()
        var trimmed = missing
        trimmed.results.removeAll { $0.strategy == "ease" && $0.metric == "ndcg@10" }
        XCTAssertThrowsError(try gate(trimmed)) { error in
            XCTAssertEqual((error as? RecLabError)?.kind, .data)
            XCTAssertTrue("\(error)".contains("ndcg@10 of ease"), "\(error)")
        }
        let abBaseline = try Baseline.from(.ab(Fixtures.ab()))
        XCTAssertThrowsError(try gate(Fixtures.offline(), baseline: abBaseline)) { error in
            XCTAssertEqual((error as? RecLabError)?.kind, .usage)
        }
        let otherData = try gate(Fixtures.offline(datasetHash: "ffff" + String(repeating: "0", count: 60)))
        XCTAssertTrue(otherData.passed)
        XCTAssertEqual(otherData.warnings.count, 1)
        XCTAssertTrue(otherData.warnings[0].contains("dataset differs"))
        XCTAssertThrowsError(try Tolerance(parsing: "lots"))
        XCTAssertThrowsError(try Tolerance(parsing: "-1%"))
        XCTAssertEqual(try Tolerance(parsing: "abs:0.01"), .absolute(0.01))
        XCTAssertEqual(try Tolerance(parsing: "2.5%"), .relative(0.025))
    }

    func testBaselineRoundTripsWithProvenance() throws {
        let doc = ResultDocument.ab(Fixtures.ab())
        let baseline = try Baseline.from(doc, tolerance: .relative(0.05))
        let dir = try TestSupport.temporaryDirectory(self)
        let url = dir.appendingPathComponent("ci.json")
        try baseline.encoded().write(to: url)
        let loaded = try Baseline.load(path: url.path)
        XCTAssertEqual(loaded, baseline)
        XCTAssertEqual(loaded.datasetHash, Fixtures.dataset().contentHash)
        XCTAssertEqual(loaded.metrics.count, 3 * 4)
        XCTAssertEqual(loaded.metrics.first { $0.subject == "ease" && $0.metric == "ctr" }?.value, 0.041 * 1.12)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\"config_hash\""), text)
        XCTAssertTrue(text.contains("\"lower_is_better\""))
        try "{\"format\": 3".write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Baseline.load(path: url.path)) { error in
            XCTAssertEqual((error as? RecLabError)?.kind, .input)
            XCTAssertTrue("\(error)".contains(url.path))
        }
    }

    func testResultDocumentLoadingErrorsNameTheFile() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let garbage = dir.appendingPathComponent("metrics.json")
        try "not json".write(to: garbage, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultDocument.load(path: garbage.path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(garbage.path), "\(error)")
            XCTAssertTrue("\(error)".contains("invalid JSON"), "\(error)")
        }
        try "{\"name\": \"x\"}".write(to: garbage, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultDocument.load(path: garbage.path)) { error in
            XCTAssertTrue("\(error)".contains("not a RecLab result document"), "\(error)")
        }
        try "{\"kind\": \"offline\", \"run_id\": \"x\"}".write(to: garbage, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultDocument.load(path: dir.path)) { error in
            XCTAssertTrue("\(error)".contains("missing key"), "\(error)")
        }
        XCTAssertThrowsError(try ResultDocument.load(path: dir.appendingPathComponent("nope").path))
        // A folder and a store id both resolve.
        try Fixtures.write(Fixtures.offline(), to: garbage)
        XCTAssertEqual(try ResultDocument.load(path: dir.path).runId, "offline-0123456789ab")
        let db = dir.appendingPathComponent("results.sqlite").path
        let store = try ResultsStore(path: db)
        let data = try ResultJSON.encoder().encode(Fixtures.ab())
        try store.record(id: "ab-fedcba987654", kind: "ab", name: "ab-demo", provenance: Fixtures.provenance(), document: data, metrics: [], userValues: [])
        XCTAssertEqual(try ResultDocument.resolve("ab-fed", resultsStore: db).kind, "ab")
        XCTAssertThrowsError(try ResultDocument.resolve("ab-fed", resultsStore: nil))
    }
}

final class OPEReportTests: XCTestCase {
    func testOPEEstimatesTableEqualsTheDocument() throws {
        let estimates = [OPEEstimate(estimator: "ips", value: 0.052, ciLow: 0.040, ciHigh: 0.064, n: 5000),
                         OPEEstimate(estimator: "dm", value: 0.071, ciLow: 0.069, ciHigh: 0.073, n: 5000)]
        let doc = OPEResults(runId: "ope-000000000001", name: "ope-tiny", provenance: Fixtures.provenance(), loggingPolicy: "epsilon-greedy(most-popular, 0.2)",
                             logSize: 5000, targets: [OPETarget(policy: "ease", trueValue: 0.05, trueCiLow: 0.048, trueCiHigh: 0.052, estimates: estimates)])
        let content = try Report.build(.ope(doc), charts: true)
        let rows = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "ope-estimates" }))
        XCTAssertEqual(rows.map { $0["estimator"] }, ["ips", "dm"])
        XCTAssertEqual(Double(rows[0]["estimate"] ?? ""), 0.052)
        XCTAssertEqual(Double(rows[1]["bias"] ?? "") ?? .nan, 0.071 - 0.05, accuracy: 1e-15)
        XCTAssertEqual(rows.map { $0["covers truth"] }, ["yes", "no"])
        XCTAssertEqual(content.charts.map(\.name).filter { $0.hasPrefix("ope") }, ["ope-estimates"])
    }
}
