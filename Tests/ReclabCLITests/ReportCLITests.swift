import Foundation
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// `reclab report`, `reclab check` and `reclab baseline update` through the built binary.
final class ReportCLITests: XCTestCase {
    /// A small offline run: two strategies, ndcg@10 and rmse; `ndcg` and `rmse` set ease's values.
    static func offline(ndcg: Double = 0.11, rmse: Double = 0.90, datasetHash: String = String(repeating: "ab", count: 32)) -> OfflineResults {
        let card = DatasetCard(name: "tiny-synthetic", source: "synthetic", contentHash: datasetHash, users: 50, movies: 40, interactions: 900,
                               ratings: 900, ratingHistogram: ["3.0": 400, "4.0": 300, "5.0": 200],
                               interactionsPerMovie: (1...40).map { 100 / $0 + 1 }, synthetic: true)
        let provenance = Provenance(configPath: "experiments/tiny.yaml", configHash: String(repeating: "c", count: 64), configText: "name: tiny\n",
                                    seed: 1, reclabVersion: "0.1.0", gitCommit: nil, createdAt: nil, dataset: card)
        func row(_ s: String, _ m: String, _ v: Double, lower: Bool) -> MetricResult {
            MetricResult(strategy: s, metric: m, base: String(m.split(separator: "@")[0]), k: m.contains("@") ? 10 : nil, fold: nil,
                         mean: v, ciLow: v * 0.9, ciHigh: v * 1.1, nUsers: 50, lowerIsBetter: lower)
        }
        return OfflineResults(runId: "offline-cli000000000", name: "tiny", provenance: provenance,
                              split: SplitDescription(method: "holdout", parameters: [:], folds: 1), relevanceThreshold: 4,
                              strategies: [StrategyRun(name: "most-popular", type: "most-popular", parameters: [:], fitSeconds: 0.001, evalSeconds: 0.01),
                                           StrategyRun(name: "ease", type: "ease", parameters: ["lambda": "100"], fitSeconds: 0.2, evalSeconds: 0.01)],
                              results: [row("most-popular", "ndcg@10", 0.06, lower: false), row("ease", "ndcg@10", ndcg, lower: false),
                                        row("ease", "rmse", rmse, lower: true)],
                              comparisons: [], exposureK: 10, exposure: ["ease": (0..<40).map { $0 % 3 }, "most-popular": (0..<40).map { $0 < 10 ? 5 : 0 }],
                              excludedUsers: 0)
    }

    func write(_ doc: OfflineResults, _ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ResultJSON.encoder().encode(doc).write(to: url)
    }

    func testReportFromRunFolderWithChartsAndWithout() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        try write(Self.offline(), dir.appendingPathComponent("run/metrics.json"))
        let out = dir.appendingPathComponent("report")
        let r = try TestSupport.runReclab(["report", dir.appendingPathComponent("run").path, "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("RecLab report: tiny"))
        XCTAssertTrue(md.contains("![Ranking accuracy at k = 10 (mean, 95% CI)](charts/bars-accuracy-k10.png)"), md)
        let png = try Data(contentsOf: out.appendingPathComponent("charts/bars-accuracy-k10.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        let csv = try String(contentsOf: out.appendingPathComponent("tables/metrics-k10.csv"), encoding: .utf8)
        XCTAssertTrue(csv.contains("ease,0.11,0.099,0.12100000000000001"), csv)

        // gnuplot missing: a clear error, non-zero exit, nothing written.
        let missing = dir.appendingPathComponent("missing")
        let bad = try TestSupport.runReclab(["report", dir.appendingPathComponent("run/metrics.json").path, "--out", missing.path],
                                            environment: ["RECLAB_GNUPLOT": "/nonexistent"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("gnuplot not found: RECLAB_GNUPLOT=/nonexistent"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("apt-get install gnuplot-nox"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))

        // --no-charts works without gnuplot.
        let plain = try TestSupport.runReclab(["report", dir.appendingPathComponent("run").path, "--out", missing.path, "--no-charts"],
                                              environment: ["RECLAB_GNUPLOT": "/nonexistent"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: missing.appendingPathComponent("tables/metrics-k10.tex").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.appendingPathComponent("charts").path))
    }

    func testReportOfARunIdInTheResultsStore() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let db = dir.appendingPathComponent("results.sqlite").path
        let doc = Self.offline()
        let store = try ResultsStore(path: db)
        try store.record(id: doc.runId, kind: "offline", name: doc.name, provenance: doc.provenance,
                         document: try ResultJSON.encoder().encode(doc), metrics: [], userValues: [])
        let out = dir.appendingPathComponent("r")
        let r = try TestSupport.runReclab(["report", "offline-cli", "--results", db, "--out", out.path, "--no-charts"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("`offline-cli000000000`"), md)
        // Without --results an unknown name is a usage error that says how to look ids up.
        let bad = try TestSupport.runReclab(["report", "offline-cli", "--out", out.path, "--no-charts"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("pass --results DB"), bad.stderr)
    }

    /// A results store in the layout of the old shared migration list (dataset tables too, both migration
    /// names): `runs list`, `runs show` and `report --results` read it without changing a byte, and
    /// `reclab run --results` still records into it.
    func testStoreInTheOldLayoutIsReadUnchangedAndStillRecords() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let db = dir.appendingPathComponent("old.sqlite").path
        do {
            let raw = try SQLiteDatabase(path: db)
            try raw.execute("CREATE TABLE reclab_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            for m in [DatasetSchema.v1, ResultsSchema.v1] {
                try raw.execute(m.sql)
                try raw.execute("INSERT INTO reclab_migrations (name, applied_at) VALUES ('\(m.name)', datetime('now'))")
            }
            raw.close()
        }
        let doc = Self.offline()
        try ResultsStore(path: db).record(id: doc.runId, kind: "offline", name: doc.name, provenance: doc.provenance,
                                          document: try ResultJSON.encoder().encode(doc), metrics: [], userValues: [])
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let list = try TestSupport.runReclab(["runs", "list", "--results", db])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains(doc.runId), list.stdout)
        let show = try TestSupport.runReclab(["runs", "show", doc.runId, "--results", db])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.hasPrefix("run        \(doc.runId)  (\(doc.name))\n"), show.stdout)
        let report = try TestSupport.runReclab(["report", doc.runId, "--results", db, "--out", dir.appendingPathComponent("r").path, "--no-charts"])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before, "reading changed the store")

        let run = try TestSupport.runReclab(["run", "experiments/tiny.yaml", "--out", dir.appendingPathComponent("o").path, "--results", db, "-q"],
                                            currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(run.status, 0, run.stderr)
        let reader = try ResultsStore(readingFrom: db)
        XCTAssertEqual(try reader.runs().map(\.kind).sorted(), ["offline", "offline"])
        XCTAssertTrue(try reader.db.tableExists("dataset_info"), "the old store's dataset tables are left in place")
    }

    func testSprintReviewFromTheCommandLine() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        try write(Self.offline(), dir.appendingPathComponent("before/metrics.json"))
        try write(Self.offline(ndcg: 0.2, rmse: 1.2), dir.appendingPathComponent("after/metrics.json"))
        let out = dir.appendingPathComponent("review")
        let r = try TestSupport.runReclab(["report", dir.appendingPathComponent("after").path, "--previous", dir.appendingPathComponent("before").path,
                                           "--out", out.path, "--no-charts"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## Since last sprint"))
        XCTAssertTrue(md.contains("| ease | ndcg@10 |"), md)
        XCTAssertTrue(md.contains("▲ improvement (significant)"), md)
        XCTAssertTrue(md.contains("▼ REGRESSION"), md)
    }

    func testCheckExitCodes() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let run = dir.appendingPathComponent("run/metrics.json")
        try write(Self.offline(), run)
        let baseline = dir.appendingPathComponent("baseline/ci.json")
        let update = try TestSupport.runReclab(["baseline", "update", run.path, "--out", baseline.path])
        XCTAssertEqual(update.status, 0, update.stderr)
        let baselineText = try String(contentsOf: baseline, encoding: .utf8)
        XCTAssertTrue(baselineText.contains("\"dataset_hash\" : \"\(String(repeating: "ab", count: 32))\""), baselineText)

        // Identical: exit 0.
        var r = try TestSupport.runReclab(["check", run.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("check passed: 3 metrics"), r.stdout)

        // Planted ndcg regression: exit 1 with a table.
        let worse = dir.appendingPathComponent("worse/metrics.json")
        try write(Self.offline(ndcg: 0.10), worse)
        r = try TestSupport.runReclab(["check", worse.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("| ease | ndcg@10 | 0.1100 | 0.1000 |"), r.stdout)
        // ...which a 10% tolerance for ndcg accepts.
        r = try TestSupport.runReclab(["check", worse.path, "--baseline", baseline.path, "--metric-tolerance", "ndcg=10%"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)

        // Direction: a higher rmse fails, a lower one passes.
        try write(Self.offline(rmse: 0.95), worse)
        r = try TestSupport.runReclab(["check", worse.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("rmse (lower is better)"), r.stdout)
        try write(Self.offline(rmse: 0.85), worse)
        r = try TestSupport.runReclab(["check", worse.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("1 improved beyond tolerance"), r.stdout)

        // Other data: a warning, not a failure.
        try write(Self.offline(datasetHash: String(repeating: "cd", count: 32)), worse)
        r = try TestSupport.runReclab(["check", worse.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("warning: dataset differs"), r.stderr)

        // Unusable input: exit 2.
        let garbage = dir.appendingPathComponent("garbage.json")
        try "{ not json".write(to: garbage, atomically: true, encoding: .utf8)
        r = try TestSupport.runReclab(["check", garbage.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains(garbage.path), r.stderr)
        r = try TestSupport.runReclab(["check", run.path, "--baseline", garbage.path])
        XCTAssertEqual(r.status, 2)
        r = try TestSupport.runReclab(["check", run.path, "--baseline", dir.appendingPathComponent("nope.json").path])
        XCTAssertEqual(r.status, 2)
        r = try TestSupport.runReclab(["check", run.path, "--baseline", baseline.path, "--tolerance", "lots"])
        XCTAssertEqual(r.status, 2)
        var trimmed = Self.offline()
        trimmed.results.removeLast()
        try write(trimmed, worse)
        r = try TestSupport.runReclab(["check", worse.path, "--baseline", baseline.path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("rmse of ease"), r.stderr)
    }
}
