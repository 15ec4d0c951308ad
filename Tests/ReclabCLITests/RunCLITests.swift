import Foundation
import RecLabTestSupport
import XCTest

/// `reclab run` and `reclab runs` through the built executable.
final class RunCLITests: XCTestCase {
    /// The CI experiment end to end: table on stdout, metrics.json/csv written, run recorded and readable back.
    func testTinyExperimentEndToEnd() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let out = dir.appendingPathComponent("tiny")
        let r = try TestSupport.runReclab(["run", "experiments/tiny.yaml", "--out", out.path, "--quiet"],
                                          currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("ease[lambda=200]"), r.stdout)
        XCTAssertTrue(r.stderr.isEmpty, r.stderr)

        let json = try Data(contentsOf: out.appendingPathComponent("metrics.json"))
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(doc["kind"] as? String, "offline")
        XCTAssertEqual(doc["name"] as? String, "tiny")
        let strategies = try XCTUnwrap(doc["strategies"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        XCTAssertEqual(strategies, ["random", "most-popular", "item-knn", "ease[lambda=50]", "ease[lambda=200]"])
        let results = try XCTUnwrap(doc["results"] as? [[String: Any]])
        // 5 strategies x 9 metrics, one split: overall rows only.
        XCTAssertEqual(results.count, 45)
        let provenance = try XCTUnwrap(doc["provenance"] as? [String: Any])
        let configText = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("experiments/tiny.yaml"), encoding: .utf8)
        XCTAssertEqual(provenance["config_text"] as? String, configText)
        XCTAssertEqual((provenance["config_hash"] as? String)?.count, 64)
        XCTAssertEqual(((provenance["dataset"] as? [String: Any])?["synthetic"]) as? Bool, true)

        // Each ndcg@10 in the table equals the document's mean.
        for row in results where row["metric"] as? String == "ndcg@10" {
            let mean = try XCTUnwrap(row["mean"] as? Double)
            XCTAssertTrue(r.stdout.contains(String(format: "%.4f", mean)), "\(row)")
            XCTAssertGreaterThanOrEqual(mean, 0); XCTAssertLessThanOrEqual(mean, 1)
        }
        let csv = try String(contentsOf: out.appendingPathComponent("metrics.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 46)
        XCTAssertTrue(csv.contains("\"ease[lambda=50]\",ndcg@10,all,") || csv.contains("ease[lambda=50],ndcg@10,all,"), csv)

        // The results store: list and show.
        let store = out.appendingPathComponent("results.sqlite").path
        let runId = try XCTUnwrap(doc["run_id"] as? String)
        let list = try TestSupport.runReclab(["runs", "list", "--results", store])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.contains(runId) && list.stdout.contains("tiny"), list.stdout)
        let show = try TestSupport.runReclab(["runs", "show", String(runId.prefix(10)), "--results", store])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("content_hash"), show.stdout)
        XCTAssertTrue(show.stdout.contains("user-temporal"), show.stdout)
        XCTAssertTrue(show.stdout.contains("ease[lambda=200]"), show.stdout)

        // Same config and seed: same numbers (only the creation time may differ).
        let again = dir.appendingPathComponent("again")
        let r2 = try TestSupport.runReclab(["run", "experiments/tiny.yaml", "--out", again.path, "--quiet"],
                                           currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(try String(contentsOf: again.appendingPathComponent("metrics.csv"), encoding: .utf8), csv)
    }

    func testConfigErrorNamesFileLineAndKeyAndWritesNothing() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = dir.appendingPathComponent("bad.yaml")
        try """
        name: bad
        dataset:
          store: \(config.path)
        split: {method: user-temporal}
        strategies:
          - {name: a, type: no-such-strategy}
        metrics: [ndcg@10]
        """.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try TestSupport.runReclab(["run", config.path, "--out", out.path, "--quiet"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("\(config.path):6: 'strategies[0].type': unknown strategy type 'no-such-strategy'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testUnknownMetricThroughCLI() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = dir.appendingPathComponent("bad.yaml")
        try "name: bad\nmetrics: [ndcg@10, hitrate@5]\n".write(to: config, atomically: true, encoding: .utf8)
        let r = try TestSupport.runReclab(["run", config.path, "--quiet"])
        XCTAssertNotEqual(r.status, 0)
        // Keys are checked in order: the missing dataset is reported first, at the mapping's line.
        XCTAssertTrue(r.stderr.contains("'dataset': missing required key"), r.stderr)
    }

    func testMissingConfigFile() throws {
        let r = try TestSupport.runReclab(["run", "/nonexistent/exp.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("/nonexistent/exp.yaml: experiment config not found"), r.stderr)
    }

    func testRunsListWithoutStoreFailsClearly() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let r = try TestSupport.runReclab(["runs", "list", "--results", dir.appendingPathComponent("none.sqlite").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("results store not found"), r.stderr)
    }
}
