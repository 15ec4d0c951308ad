import Foundation
import RecLabReport
import RecLabResults
import XCTest

final class TruthReportTests: XCTestCase {
    /// The fixture A/B document with a long-term section (a planted flip) and truth worlds.
    static func document() -> ABResults {
        var doc = Fixtures.ab()
        var days: [LongTermDay] = [], lifts: [DailyLift] = []
        for day in 0..<20 {
            for arm in ["control", "ease", "random"] {
                let r = arm == "ease" ? 1 - 0.004 * Double(day) : 1 - 0.001 * Double(day)
                days.append(LongTermDay(day: day, arm: arm, churned: Int((1 - r) * 1000), metrics: [
                    "retention": MetricSummary(mean: r, ciLow: r - 0.01, ciHigh: r + 0.01, n: 1000)]))
            }
            var l = DailyLift(day: day, arm: "ease", metric: "retention", lift: -0.003 * Double(day), ciLow: -0.003 * Double(day) - 0.02,
                              ciHigh: -0.003 * Double(day) + 0.02)
            l.trueEffect = -0.003 * Double(day); l.trueCiLow = l.trueEffect! - 0.005; l.trueCiHigh = l.trueEffect! + 0.005
            lifts.append(l)
        }
        doc.longTerm = LongTermResults(assumptions: ["Churn: after a visit a user leaves with probability h."], daily: days, lifts: lifts,
                                       flips: [DecisionFlip(arm: "ease", metric: "retention", source: "ab", earlySign: 1, flipDay: 1, significantFlipDay: 7)])
        let effects = [TruthEffect(metric: "ctr", arm: "ease", abLift: 0.005, abCiLow: 0.003, abCiHigh: 0.007, trueEffect: 0.004, trueCiLow: 0.0035, trueCiHigh: 0.0045),
                       TruthEffect(metric: "watch_minutes_per_user", arm: "ease", abLift: -10, abCiLow: -30, abCiHigh: 10, trueEffect: 20, trueCiLow: 14, trueCiHigh: 26)]
        doc.truth = TruthResults(users: 3000, worlds: [TruthWorld(arm: "control", metrics: ["ctr": MetricSummary(mean: 0.04, ciLow: 0.039, ciHigh: 0.041, n: 3000),
                                                                                            "watch_minutes_per_user": MetricSummary(mean: 200, ciLow: 190, ciHigh: 210, n: 3000)])],
                                 effects: effects,
                                 ope: [OPEBesideTruth(arm: "ease", estimator: "ips", opeEffect: 0.2, opeCiLow: -1, opeCiHigh: 1.4, n: 500,
                                                      abLift: 0.05, abCiLow: 0.03, abCiHigh: 0.07, trueEffect: 0.06, trueCiLow: 0.05, trueCiHigh: 0.07)],
                                 opeNote: nil)
        return doc
    }

    func testTruthColumnsFlipsAndAssumptionsAreReported() throws {
        let doc = Self.document()
        let content = try Report.build(.ab(doc), charts: true)
        let md = content.markdown
        XCTAssertTrue(md.contains("## Assumptions") && md.contains("Churn: after a visit a user leaves with probability h."))
        XCTAssertTrue(md.contains("'ease' wins on CTR in the first two weeks, but on retention it falls behind the control from day 1 on (significantly from day 7)"), md)
        let truth = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "truth" }))
        XCTAssertEqual(truth.count, 2)
        let minutes = try XCTUnwrap(truth.first { $0["metric"] == "watch_minutes_per_user" })
        XCTAssertEqual(Double(minutes["bias"] ?? ""), -30)
        XCTAssertEqual(minutes["covered"], "no")
        XCTAssertEqual(truth.first { $0["metric"] == "ctr" }?["covered"], "yes")
        XCTAssertTrue(md.contains("covered the true effect in 1 of 2"))
        let ope = csvRecords(try XCTUnwrap(content.tables.first { $0.slug == "ope-vs-ab-vs-truth" }))
        XCTAssertEqual(ope.first?["estimator"], "ips")
        let names = Set(content.charts.map(\.name))
        for expected in ["longterm-retention", "lift-over-time-retention", "truth-vs-ab-ease", "ope-vs-ab-vs-truth"] {
            XCTAssertTrue(names.contains(expected), "missing chart \(expected) in \(names.sorted())")
        }
        // The lift chart carries the A/B series and the truth series with their intervals.
        let lift = try XCTUnwrap(content.charts.first { $0.name == "lift-over-time-retention" })
        XCTAssertTrue(lift.data.contains("ease (truth)") && lift.data.contains("ease (A/B)"))
    }

    func testAStaticDocumentStatesItsAssumptionsWithoutTruthSections() throws {
        let md = try Report.build(.ab(Fixtures.ab()), charts: false).markdown
        XCTAssertTrue(md.contains("## Assumptions") && md.contains("static users"))
        XCTAssertFalse(md.contains("The truth beside the estimate"))
        XCTAssertFalse(md.contains("Long-term outcomes"))
    }
}
