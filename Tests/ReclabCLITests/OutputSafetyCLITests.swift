import Foundation
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// Bad output locations fail before any work and leave nothing behind; errors found while fitting point
/// at the strategy's line in the config.
final class OutputSafetyCLITests: XCTestCase {
    private func write(_ text: String, to url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }

    func testRunWithUnusableResultsStoreWritesNothing() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let out = dir.appendingPathComponent("out")
        let r = try TestSupport.runReclab(["run", "experiments/tiny.yaml", "--out", out.path, "--quiet",
                                           "--results", dir.appendingPathComponent("missing/r.sqlite").path],
                                          currentDirectory: TestSupport.packageRoot)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("missing") && r.stderr.contains("does not exist"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("metrics.json").path))
    }

    func testRunsListDoesNotCreateOrMigrateAStore() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let missing = dir.appendingPathComponent("none.sqlite")
        let r = try TestSupport.runReclab(["runs", "list", "--results", missing.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path), "listing must not create a store")
        let empty = dir.appendingPathComponent("empty.sqlite")
        FileManager.default.createFile(atPath: empty.path, contents: Data())
        let r2 = try TestSupport.runReclab(["runs", "list", "--results", empty.path])
        XCTAssertNotEqual(r2.status, 0)
        XCTAssertTrue(r2.stderr.contains("not a RecLab results store"), r2.stderr)
        XCTAssertEqual(try Data(contentsOf: empty).count, 0, "listing must not write a schema into the file")
    }

    func testFitErrorNamesStrategyAndLine() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = dir.appendingPathComponent("fit.yaml")
        let world = TestSupport.packageRoot.appendingPathComponent("datasets/tiny.yaml").path
        try write("""
            name: fit-error
            seed: 1
            dataset: {synthetic: \(world)}
            split: {method: user-temporal, fraction: 0.2}
            relevance: implicit
            strategies:
              - {name: most-popular, type: most-popular}
              - {name: small-ease, type: ease, params: {max_items: 10}}
            metrics: [ndcg@10]
            """, to: config)
        let r = try TestSupport.runReclab(["run", config.path, "--out", dir.appendingPathComponent("o").path, "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(config.path):8:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("small-ease"), r.stderr)
        // The strategy that finished is recorded; the failed one is listed with its error.
        let data = try Data(contentsOf: dir.appendingPathComponent("o/metrics.json"))
        let document = try ResultJSON.decoder().decode(OfflineResults.self, from: data)
        XCTAssertEqual(document.strategies.map(\.name), ["most-popular"])
        XCTAssertEqual(Set(document.results.map(\.strategy)), ["most-popular"])
        XCTAssertEqual(document.failures?.map(\.strategy), ["small-ease"])
        XCTAssertTrue(document.failures?.first?.error.contains("\(config.path):8:") == true)
        XCTAssertTrue(r.stdout.contains("FAILED: strategy 'small-ease'"), r.stdout)
    }

    func testSimulateParameterErrorNamesFullKey() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let base = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("experiments/ab-tiny.yaml"), encoding: .utf8)
        let easeArm = "  - {name: ease, strategy: ease, params: {lambda: 50}, weight: 1}\n"
        XCTAssertTrue(base.contains(easeArm), "ab-tiny.yaml has its ease arm")
        let config = dir.appendingPathComponent("ab.yaml")
        // A third arm with a parameter of the wrong type.
        try write(base.replacingOccurrences(of: easeArm, with: easeArm + "  - {name: broken, strategy: ease, params: {lambda: high}}\n"),
                  to: config)
        let r = try TestSupport.runReclab(["simulate", config.path, "--out", dir.appendingPathComponent("o").path, "--quiet"],
                                          currentDirectory: TestSupport.packageRoot)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("'arms[2].params.lambda'"), r.stderr)
    }

    func testGenerateRefusesAFolderBeforeWork() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let r = try TestSupport.runReclab(["generate", "--config", "datasets/tiny.yaml", "--out", dir.path, "--force", "--quiet"],
                                          currentDirectory: TestSupport.packageRoot)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(dir.path), r.stderr)
        XCTAssertFalse(r.stdout.contains("generated"), r.stdout)
    }
}
