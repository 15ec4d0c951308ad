import Foundation
import RecLabResults
import RecLabStore
import RecLabTestSupport
import XCTest

/// `reclab simulate` on `kind: interleaving` configs and on A/B configs with daily sequential looks.
final class InterleavingCLITests: XCTestCase {
    func testInterleavingRunIsRecordedReportedAndByteIdentical() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let root = TestSupport.packageRoot
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        let r1 = try TestSupport.runReclab(["simulate", "experiments/interleaving-tiny.yaml", "--out", a.path, "--quiet", "--log"], currentDirectory: root)
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r2 = try TestSupport.runReclab(["simulate", "experiments/interleaving-tiny.yaml", "--out", b.path, "--quiet"], currentDirectory: root)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let json = try Data(contentsOf: a.appendingPathComponent("interleaving.json"))
        XCTAssertEqual(json, try Data(contentsOf: b.appendingPathComponent("interleaving.json")), "same config and seed, same bytes")
        let doc = try ResultJSON.decoder().decode(InterleavingResults.self, from: json)
        XCTAssertEqual(doc.kind, "interleaving")
        XCTAssertEqual(doc.method, "team-draft")
        XCTAssertEqual(doc.teams.map(\.name), ["popular", "ease"])
        XCTAssertEqual(doc.pairs.count, 1)
        let p = doc.pairs[0]
        XCTAssertEqual(p.wins + p.losses + p.ties, doc.users)
        XCTAssertEqual(p.preference, Double(p.wins - p.losses) / Double(doc.users), accuracy: 1e-12)
        XCTAssertLessThanOrEqual(p.ciLow, p.preference); XCTAssertGreaterThanOrEqual(p.ciHigh, p.preference)
        XCTAssertEqual(doc.daily.count, 5)
        XCTAssertEqual(doc.daily.last?.preference, p.preference)
        // Team drafting shares the drafted slots evenly.
        let shares = doc.teams.map { Double($0.impressions) / Double(doc.teams.map(\.impressions).reduce(0, +)) }
        XCTAssertEqual(shares[0], 0.5, accuracy: 0.02)
        // The impression log credits the teams: played drafted titles add up to the teams' credited plays.
        let log = try String(contentsOf: a.appendingPathComponent("impressions.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for t in doc.teams {
            XCTAssertEqual(Double(log.filter { $0[2] == Substring(t.name) && $0[7] == "1" }.count), t.creditedPlays, t.name)
        }
        XCTAssertTrue(r1.stdout.contains("popular vs ease"), r1.stdout)

        let store = try ResultsStore(path: a.appendingPathComponent("results.sqlite").path)
        XCTAssertEqual(try store.document(id: doc.runId).kind, "interleaving")
        let show = try TestSupport.runReclab(["runs", "show", doc.runId, "--results", a.appendingPathComponent("results.sqlite").path])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("popular vs ease"), show.stdout)

        let report = dir.appendingPathComponent("report")
        let rr = try TestSupport.runReclab(["report", a.path, "--out", report.path, "--no-charts", "--quiet"])
        XCTAssertEqual(rr.status, 0, rr.stderr)
        let md = try String(contentsOf: report.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("RecLab interleaving report: interleaving-tiny"), md)
        XCTAssertTrue(md.contains("team-draft interleaving (Radlinski, Kurup and Joachims, CIKM 2008)"), md)
    }

    func testSequentialLooksAppearOnlyWhenConfigured() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        let root = TestSupport.packageRoot
        let r = try TestSupport.runReclab(["simulate", "experiments/ab-sequential-tiny.yaml", "--out", dir.path, "--quiet"], currentDirectory: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try ResultJSON.decoder().decode(ABResults.self, from: Data(contentsOf: dir.appendingPathComponent("ab.json")))
        let s = try XCTUnwrap(doc.sequential)
        XCTAssertEqual(s.method, "confidence-sequence")
        XCTAssertEqual(s.tuning, 300)
        XCTAssertEqual(s.metrics.count, 7)
        for m in s.metrics {
            XCTAssertEqual(m.looks.count, doc.days)
            // The stopping day is the first look whose |z| reaches the boundary; Holm can only stop later.
            XCTAssertEqual(m.stopDay, m.looks.firstIndex { $0.z.isFinite && abs($0.z) >= $0.boundary })
            if let h = m.holmStopDay { XCTAssertGreaterThanOrEqual(h, try XCTUnwrap(m.stopDay)) }
            for l in m.looks where l.z.isFinite { XCTAssertGreaterThan(l.boundary, l.naiveBoundary) }
            XCTAssertEqual(m.cuped, ["watch_minutes_per_user", "plays_per_user", "visits_per_user"].contains(m.metric))
        }
        // The oracle's plays per visit are far better: the test can stop early, with Holm's correction too.
        XCTAssertNotNil(s.metrics.first { $0.metric == "plays_per_visit" }?.holmStopDay)
        XCTAssertTrue(r.stdout.contains("Sequential test (confidence-sequence"), r.stdout)

        // Without the key, ab.json has no sequential block at all (existing outputs keep their bytes).
        let plain = dir.appendingPathComponent("plain")
        let r2 = try TestSupport.runReclab(["simulate", "experiments/ab-tiny.yaml", "--out", plain.path, "--quiet"], currentDirectory: root)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let text = try String(contentsOf: plain.appendingPathComponent("ab.json"), encoding: .utf8)
        XCTAssertFalse(text.contains("sequential"))
    }
}
