import Foundation
import RecLabTestSupport
import XCTest

/// `reclab run` and `reclab runs` through the built executable.
final class RunCLITests: XCTestCase {
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
