import Foundation
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// `reclab simulate` and `reclab ope` through the built executable, on the tiny synthetic world.
final class SimCLITests: XCTestCase {
    func testSimulateWritesDocumentsRecordsTheRunAndIsByteIdentical() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let root = TestSupport.packageRoot
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let r1 = try TestSupport.runReclab(["simulate", "experiments/ab-tiny.yaml", "--out", a.path, "--quiet"], currentDirectory: root)
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r2 = try TestSupport.runReclab(["simulate", "experiments/ab-tiny.yaml", "--out", b.path, "--quiet", "--log",
                                            "--results", dir.appendingPathComponent("other.sqlite").path], currentDirectory: root)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let json1 = try Data(contentsOf: a.appendingPathComponent("ab.json"))
        let json2 = try Data(contentsOf: b.appendingPathComponent("ab.json"))
        XCTAssertEqual(json1, json2, "same config and seed must give a byte-identical ab.json")

        let doc = try ResultJSON.decoder().decode(ABResults.self, from: json1)
        XCTAssertEqual(doc.kind, "ab")
        XCTAssertEqual(doc.world, "synthetic")
        XCTAssertNil(doc.provenance.createdAt)
        XCTAssertEqual(doc.arms.map(\.name), ["popular", "ease"])
        XCTAssertEqual(doc.control, "popular")
        XCTAssertEqual(doc.daily.count, 5 * 2)
        XCTAssertEqual(Set(doc.comparisons.map(\.metric)).count, 7)
        for c in doc.comparisons {
            XCTAssertEqual(c.arm, "ease")
            XCTAssertGreaterThanOrEqual(c.pAdjusted, c.pValue)
            XCTAssertLessThanOrEqual(c.ciLow, c.lift); XCTAssertGreaterThanOrEqual(c.ciHigh, c.lift)
            XCTAssertEqual(c.significant, c.pAdjusted < doc.alpha)
        }
        XCTAssertTrue(doc.srm.ok)
        XCTAssertEqual(doc.srm.observed.values.reduce(0, +), doc.arms.map(\.users).reduce(0, +))
        XCTAssertEqual(doc.cuped?.count, 3)
        XCTAssertEqual(doc.power.count, 7)
        for arm in doc.arms { XCTAssertEqual(arm.exposure.count, 200) }
        // Daily impressions add up to the arm's exposure.
        for arm in doc.arms {
            XCTAssertEqual(doc.daily.filter { $0.arm == arm.name }.map(\.impressions).reduce(0, +), arm.exposure.reduce(0, +))
        }

        // The impression log (second run only): plays of the experiment days add up to the daily plays, and the
        // deterministic rankings log propensity 1.
        XCTAssertFalse(FileManager.default.fileExists(atPath: a.appendingPathComponent("impressions.csv").path))
        let log = try String(contentsOf: b.appendingPathComponent("impressions.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.first, "day,user,arm,item_index,row,slot,propensity,played,watch_minutes")
        let rows = log.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows.filter { !$0[2].isEmpty }.count, doc.daily.map(\.impressions).reduce(0, +))
        XCTAssertEqual(rows.filter { !$0[2].isEmpty && $0[7] == "1" }.count, doc.daily.map(\.plays).reduce(0, +))
        XCTAssertTrue(rows.allSatisfy { $0[6] == "1" })

        let csv = try String(contentsOf: a.appendingPathComponent("ab.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "kind,arm,metric,mean,ci_low,ci_high,n,lift,rel_lift,p_value,p_adjusted,significant,method")
        XCTAssertEqual(csv.count, 1 + 2 * 9 + 7 + 3)

        let store = try ResultsStore(path: a.appendingPathComponent("results.sqlite").path)
        XCTAssertEqual(try store.runs().map(\.id), [doc.runId])
        let stored = try store.document(id: doc.runId)
        XCTAssertEqual(stored.kind, "ab")
        XCTAssertEqual(stored.data, json1)
        XCTAssertFalse(try store.userValues(runId: doc.runId, subject: "ease", metric: "watch_minutes_per_user").isEmpty)
        XCTAssertTrue(r1.stdout.contains("SRM: chi2"), r1.stdout)

        // `runs show` reads an A/B run back as provenance, arms and the same lift table `simulate` printed.
        let show = try TestSupport.runReclab(["runs", "show", String(doc.runId.prefix(8)), "--results", a.appendingPathComponent("results.sqlite").path])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("content_hash \(doc.provenance.dataset.contentHash)"), show.stdout)
        XCTAssertTrue(show.stdout.contains("arm        popular: most-popular"), show.stdout)
        XCTAssertTrue(show.stdout.contains(", control"), show.stdout)
        let table = try XCTUnwrap(r1.stdout.range(of: "A/B simulation").map { String(r1.stdout[$0.lowerBound...]) })
        let firstTableLines = table.split(separator: "\n").prefix(8)
        for line in firstTableLines { XCTAssertTrue(show.stdout.contains(line), "missing '\(line)' in: \(show.stdout)") }
    }

    func testConfigErrorsNameFileLineAndKeyAndWriteNothing() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let config = dir.appendingPathComponent("bad.yaml")
        let out = dir.appendingPathComponent("out")
        func check(_ text: String, _ expected: String) throws {
            try text.write(to: config, atomically: true, encoding: .utf8)
            let r = try TestSupport.runReclab(["simulate", config.path, "--out", out.path, "--quiet"],
                                              currentDirectory: TestSupport.packageRoot)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(expected), "expected '\(expected)' in: \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        }
        let arms = "arms:\n  - {name: a, strategy: most-popular, control: true}\n  - {name: b, strategy: random}\n"
        try check("name: x\ndataset: {synthetic: datasets/tiny.yaml}\ndays: 3\nretrian_every: 2\n" + arms,
                  "\(config.path):4: 'retrian_every': unknown key")
        try check("name: x\ndataset: {synthetic: datasets/tiny.yaml}\narms:\n  - {name: a, strategy: most-popular}\n  - {name: b, strategy: no-such}\n",
                  "\(config.path):5: 'arms[1].strategy': unknown strategy type 'no-such'")
        try check("name: x\ndataset: {synthetic: datasets/tiny.yaml}\npage: {rows: [top-picks, sideways]}\n" + arms,
                  "'page.rows[1]': unknown row kind 'sideways'")
        try check("name: x\ndataset: {synthetic: datasets/tiny.yaml}\nanalysis: {cuped: true}\n" + arms,
                  "CUPED needs a pre-period")
        try check("name: x\ndataset: {store: /nonexistent.sqlite}\n" + arms, "dataset store '/nonexistent.sqlite' not found")
    }

    func testOPEWritesEstimatesBesideTheTruth() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let r = try TestSupport.runReclab(["ope", "experiments/ope-tiny.yaml", "--out", dir.path, "--quiet"],
                                          currentDirectory: TestSupport.packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try ResultJSON.decoder().decode(OPEResults.self, from: Data(contentsOf: dir.appendingPathComponent("ope.json")))
        XCTAssertEqual(doc.kind, "ope")
        XCTAssertEqual(doc.targets.count, 2)
        XCTAssertEqual(doc.logSize, 3000)
        for t in doc.targets {
            XCTAssertEqual(t.estimates.map(\.estimator), ["replay", "ips", "snips", "dm", "dr"])
            XCTAssertTrue(t.trueValue > 0 && t.trueValue < 1)
            for e in t.estimates { XCTAssertLessThanOrEqual(e.ciLow, e.ciHigh) }
        }
        // The oracle plays more than a softmax over EASE scores in the same world.
        XCTAssertGreaterThan(doc.targets[0].trueValue, doc.targets[1].trueValue)
        XCTAssertTrue(r.stdout.contains("snips"), r.stdout)

        // `runs show` prints the stored run's estimates, as `ope` did.
        let show = try TestSupport.runReclab(["runs", "show", doc.runId, "--results", dir.appendingPathComponent("results.sqlite").path])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("run        \(doc.runId)  (ope-tiny)"), show.stdout)
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("  snips") || line.hasPrefix("  true") {
            XCTAssertTrue(show.stdout.contains(line), "missing '\(line)' in: \(show.stdout)")
        }
    }
}
