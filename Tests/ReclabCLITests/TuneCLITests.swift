import Foundation
import RecLabTestSupport
import XCTest

/// `reclab tune` through the built executable: a tuned run end to end, and configs it refuses before any work.
final class TuneCLITests: XCTestCase {
    func testTuneTinyEndToEnd() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let out = dir.appendingPathComponent("tune")
        let r = try TestSupport.runReclab(["tune", "experiments/tune-tiny.yaml", "--out", out.path, "--quiet"],
                                          currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("tuning: random search on ndcg@10"), r.stdout)
        let json = try Data(contentsOf: out.appendingPathComponent("metrics.json"))
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        let tuning = try XCTUnwrap(doc["tuning"] as? [String: Any])
        let strategies = try XCTUnwrap(tuning["strategies"] as? [[String: Any]])
        XCTAssertEqual(strategies.compactMap { $0["strategy"] as? String }, ["most-popular", "item-knn", "ease", "implicit-als"])
        // The test run used each strategy's selected parameters.
        let runs = try XCTUnwrap(doc["strategies"] as? [[String: Any]])
        for s in strategies {
            let run = try XCTUnwrap(runs.first { $0["name"] as? String == s["strategy"] as? String })
            XCTAssertEqual(run["parameters"] as? [String: String], s["selected"] as? [String: String])
        }
        let trials = try String(contentsOf: out.appendingPathComponent("trials.csv"), encoding: .utf8)
        XCTAssertEqual(trials.split(separator: "\n").count, 1 + 1 + 6 + 6 + 6)
        XCTAssertEqual(trials.split(separator: "\n").filter { $0.contains(",1,") && $0.hasSuffix(",1,") }.count, 4, trials)
    }

    /// Refused before any work, naming file, line and key; nothing written.
    func testConfigsWithoutATuneBlockOrWithBadSearchAreRefused() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let plain = dir.appendingPathComponent("plain.yaml")
        let tiny = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("experiments/tiny.yaml"), encoding: .utf8)
        try TestSupport.rootedConfigText(tiny).write(to: plain, atomically: true, encoding: .utf8)
        let r = try TestSupport.runReclabBounded(["tune", plain.path, "--out", "o"], currentDirectory: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("plain.yaml") && r.stderr.contains("'tune'"), r.stderr)
        let bad = dir.appendingPathComponent("bad.yaml")
        let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("experiments/tune-tiny.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "lambda: {log: [10, 1000]}", with: "lambda: {log: [-10, 1000]}")
        try TestSupport.rootedConfigText(text).write(to: bad, atomically: true, encoding: .utf8)
        let b = try TestSupport.runReclabBounded(["tune", bad.path, "--out", "o"], currentDirectory: dir)
        XCTAssertNotEqual(b.status, 0)
        XCTAssertTrue(b.stderr.contains("bad.yaml:27") && b.stderr.contains("strategies[2].search.lambda.log"), b.stderr)
        XCTAssertEqual(TestSupport.tree(dir), ["bad.yaml", "plain.yaml"])
    }
}
