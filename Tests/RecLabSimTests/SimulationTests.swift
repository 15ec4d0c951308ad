import Foundation
import RecLabCore
import RecLabSim
import RecLabTestSupport
import XCTest

final class AssignmentTests: XCTestCase {
    func testAssignmentIsDeterministicOrderFreeAndUniform() {
        let rule = HashAssignment(salt: "exp-1", weights: [1, 1, 2])
        let keys = (0..<12_000).map { "user-\($0)" }
        let forward = keys.map { rule.arm(for: $0)! }
        let backward = Array(keys.reversed().map { rule.arm(for: $0)! }.reversed())
        XCTAssertEqual(forward, backward)
        XCTAssertEqual(forward, keys.map { HashAssignment(salt: "exp-1", weights: [1, 1, 2]).arm(for: $0)! })
        var counts = [0, 0, 0]
        for a in forward { counts[a] += 1 }
        // Chi-square of the counts against 1:1:2 must not flag a mismatch.
        let srm = ABAnalysis.srm(observed: counts, weights: [1, 1, 2], names: ["a", "b", "c"], threshold: 0.001)
        XCTAssertTrue(srm.ok, "counts \(counts)")
        XCTAssertEqual(Double(counts[2]) / 12_000, 0.5, accuracy: 0.02)
        // Another salt reshuffles users.
        let other = keys.map { HashAssignment(salt: "exp-2", weights: [1, 1, 2]).arm(for: $0)! }
        XCTAssertGreaterThan(zip(forward, other).filter { $0 != $1 }.count, 5_000)
    }

    func testHoldoutShare() {
        let rule = HashAssignment(salt: "h", weights: [1, 1], holdout: 0.2)
        let held = (0..<10_000).filter { rule.arm(for: "u\($0)") == nil }.count
        XCTAssertEqual(Double(held) / 10_000, 0.2, accuracy: 0.015)
    }
}

final class StatisticsTests: XCTestCase {
    // Reference values from scipy (scipy.stats.ttest_ind(equal_var=False)) and numpy, computed by hand for this test.
    func testWelchAgainstScipy() {
        let c = ABAnalysisProbe.welch([1, 6, 3, 2, 9, 5, 4, 2], [3, 5, 2, 8, 6, 4, 7])
        XCTAssertEqual(c.pValue, 0.43249969442881603, accuracy: 1e-8)
        XCTAssertEqual(c.method, "welch")
        XCTAssertEqual(c.lift, 4 - 5, accuracy: 1e-12)
    }

    func testDeltaMethodRatioAgainstNumpy() {
        // numpy: R = sum(x)/sum(y), se = sqrt((Sxx - 2R Sxy + R^2 Syy) / (n ybar^2)) with np.cov.
        let e = ABAnalysisProbe.ratio([1, 0, 2, 1, 3, 0, 1], [10, 5, 12, 8, 20, 4, 9])
        XCTAssertEqual(e.mean, 0.11764705882352941, accuracy: 1e-12)
        XCTAssertEqual(e.se, 0.018593585865228954, accuracy: 1e-12)
    }

    func testSRMFlagsSkewedCountsOnly() {
        // 5000 vs 4600 under 50/50: chi2 = 16.667, p = 4.46e-5 (scipy.stats.chi2.sf(16.6667, 1)).
        let skewed = ABAnalysis.srm(observed: [5000, 4600], weights: [1, 1], names: ["a", "b"], threshold: 0.001)
        XCTAssertEqual(skewed.chi2, 16.6667, accuracy: 1e-3)
        XCTAssertEqual(skewed.pValue, 4.4556e-5, accuracy: 1e-8)
        XCTAssertFalse(skewed.ok)
        let fine = ABAnalysis.srm(observed: [5000, 4950], weights: [1, 1], names: ["a", "b"], threshold: 0.001)
        XCTAssertTrue(fine.ok)
    }
}

final class SimulationTests: XCTestCase {
    static let world = ToyWorld(users: 400, items: 120, seed: 3)

    func settings(_ arms: [ArmSpec], days: Int = 4, pre: Int = 0, retrain: Int = 0, seed: UInt64 = 5,
                  salt: String = "s") -> SimulationSettings {
        SimulationSettings(seed: seed, days: days, preDays: pre, retrainEvery: retrain, salt: salt,
                           page: PageLayout(rows: [.topPicks, .becauseYouWatched, .trending, .genre], slots: 6), arms: arms)
    }

    func testDeterministicAndThreadCountIndependent() throws {
        let s = settings([ArmSpec(name: "pop", type: "toy-popular"), ArmSpec(name: "rand", type: "toy-random")], retrain: 1)
        let a = try Toy.simulator(world: Self.world, settings: s).run()
        let b = try RunContext(threads: 1).bound { try Toy.simulator(world: Self.world, settings: s).run() }
        XCTAssertEqual(a.experiment, b.experiment)
        XCTAssertEqual(a.log.item, b.log.item)
        XCTAssertEqual(a.log.played, b.log.played)
        XCTAssertGreaterThan(a.totalVisits, 400)
        XCTAssertGreaterThan(a.experiment.reduce(0) { $0 + $1.plays }, 50)
    }

    func testPageIsDeduplicatedAndPropensitiesLogged() throws {
        var arms = [ArmSpec(name: "pop", type: "toy-popular"), ArmSpec(name: "explore", type: "toy-popular")]
        arms[1].epsilon = 0.5
        let r = try Toy.simulator(world: Self.world, settings: settings(arms, days: 2)).run()
        var byVisit: [String: Set<Int32>] = [:]
        var dup = 0
        for k in 0..<r.log.count {
            let key = "\(r.log.day[k])-\(r.log.user[k])"
            if !byVisit[key, default: []].insert(r.log.item[k]).inserted { dup += 1 }
            if r.log.arm[k] == 0 { XCTAssertEqual(r.log.propensity[k], 1) }
        }
        XCTAssertEqual(dup, 0, "a title appears twice on one page")
        // The exploring arm's top-picks tiles carry propensities below 1: (1 - eps) + eps/n or eps/n.
        let explored = (0..<r.log.count).filter { r.log.arm[$0] == 1 && r.log.row[$0] == 0 }.map { r.log.propensity[$0] }
        XCTAssertTrue(explored.contains { $0 < 0.05 })
        XCTAssertTrue(explored.contains { $0 > 0.5 && $0 < 1 })
        // Watched titles never reappear: no impression of a title the user has played before that day.
        var played: [Int32: Set<Int32>] = [:]
        var lastDay: Int32 = -1
        var today: [(Int32, Int32)] = []
        for k in 0..<r.log.count {
            if r.log.day[k] != lastDay { for (u, i) in today { played[u, default: []].insert(i) }; today = []; lastDay = r.log.day[k] }
            XCTAssertFalse(played[r.log.user[k], default: []].contains(r.log.item[k]))
            if r.log.played[k] { today.append((r.log.user[k], r.log.item[k])) }
        }
    }

    /// A/A: two arms with the same strategy and no retraining, 400 assignment salts over one simulation
    /// (outcomes do not depend on the arm, so each salt is an independent A/A test of the statistics).
    func testAAFalsePositiveRate() throws {
        let arms = [ArmSpec(name: "a", type: "toy-popular"), ArmSpec(name: "b", type: "toy-popular")]
        let s = settings(arms, days: 3)
        let r = try Toy.simulator(world: Self.world, settings: s).run()
        var analysis = AnalysisSettings()
        analysis.alpha = 0.05
        let keys = (0..<400).map { String(format: "p%05d", $0) }
        var falsePositives: [String: Int] = [:]
        let salts = 400
        for k in 0..<salts {
            let rule = HashAssignment(salt: "aa-\(k)", weights: [1, 1])
            let rr = r.reassigned(keys.map { rule.arm(for: $0)! })
            let out = ABAnalysis.analyse(rr, settings: s, analysis: analysis)
            for c in out.comparisons where c.pValue < 0.05 { falsePositives[c.metric, default: 0] += 1 }
        }
        for metric in ["watch_minutes_per_user", "ctr", "plays_per_visit"] {
            let rate = Double(falsePositives[metric, default: 0]) / Double(salts)
            XCTAssertTrue((0.03...0.07).contains(rate), "\(metric) A/A false-positive rate \(rate)")
        }
    }

    func testPlantedEffectIsDetectedInTheRightDirection() throws {
        let arms = [ArmSpec(name: "random", type: "toy-random"), ArmSpec(name: "oracle", type: "oracle")]
        let s = settings(arms, days: 3)
        let r = try Toy.simulator(world: Self.world, settings: s).run()
        let out = ABAnalysis.analyse(r, settings: s, analysis: AnalysisSettings())
        for metric in ["ctr", "watch_minutes_per_user", "completion_rate"] {
            let c = try XCTUnwrap(out.comparisons.first { $0.metric == metric })
            XCTAssertTrue(c.significant, "\(metric): p=\(c.pAdjusted)")
            XCTAssertGreaterThan(c.lift, 0)
            XCTAssertGreaterThan(c.ciLow, 0)
        }
        XCTAssertTrue(out.srm.ok)
        XCTAssertEqual(out.daily.count, 3 * 2)
    }

    func testCUPEDReducesVarianceWithPrePeriod() throws {
        let arms = [ArmSpec(name: "a", type: "toy-popular"), ArmSpec(name: "b", type: "toy-random")]
        let s = settings(arms, days: 8, pre: 8)
        let r = try Toy.simulator(world: Self.world, settings: s).run()
        var analysis = AnalysisSettings()
        analysis.cuped = true
        let out = ABAnalysis.analyse(r, settings: s, analysis: analysis)
        let visits = try XCTUnwrap(out.cuped?.first { $0.metric == "visits_per_user" })
        // Visit propensity is a fixed user trait, so the pre-period predicts it well.
        XCTAssertGreaterThan(visits.varianceReduction, 0.15)
        let raw = try XCTUnwrap(out.comparisons.first { $0.metric == "visits_per_user" })
        XCTAssertLessThan(visits.comparisons[0].ciHigh - visits.comparisons[0].ciLow, raw.ciHigh - raw.ciLow)
    }

    func testFeedbackLoopRetrainingChangesExposure() throws {
        // A popularity strategy retrained daily on its own logs concentrates exposure (a popularity loop).
        let arms = [ArmSpec(name: "static", type: "toy-popular"), ArmSpec(name: "retrained", type: "toy-popular")]
        let s0 = settings(arms, days: 6, retrain: 0)
        let s1 = settings(arms, days: 6, retrain: 1)
        let r0 = try Toy.simulator(world: Self.world, settings: s0).run()
        let r1 = try Toy.simulator(world: Self.world, settings: s1).run()
        XCTAssertNotEqual(r0.exposure[1], r1.exposure[1], "retraining had no effect")
    }
}

final class HoldoutAndScopeTests: XCTestCase {
    func testHoldoutUsersAreServedButNotAnalysed() throws {
        let world = SimulationTests.world
        var s = SimulationSettings(seed: 3, days: 3, retrainEvery: 0, salt: "h", holdout: 0.3,
                                   page: PageLayout(rows: [.topPicks, .trending], slots: 5),
                                   arms: [ArmSpec(name: "a", type: "toy-popular"), ArmSpec(name: "b", type: "toy-random")])
        s.keepLog = true
        let r = try Toy.simulator(world: world, settings: s).run()
        let held = r.assignment.filter { $0 == -1 }.count
        XCTAssertEqual(Double(held) / 400, 0.3, accuracy: 0.07)
        // Held-out users visit (their impressions are logged with arm -1) but have no experiment totals.
        XCTAssertTrue(r.log.arm.contains(-1))
        for (u, a) in r.assignment.enumerated() where a == -1 { XCTAssertEqual(r.experiment[u], UserTotals()) }
        let out = ABAnalysis.analyse(r, settings: s, analysis: AnalysisSettings())
        XCTAssertEqual(out.arms.map(\.users).reduce(0, +), ABAnalysis.analysedUsers(r).map(\.count).reduce(0, +))
        XCTAssertEqual(out.srm.observed.values.reduce(0, +), out.arms.map(\.users).reduce(0, +))
    }

    func testSharedTrainingDataMakesIdenticalArmsIndistinguishable() throws {
        // Two arms with the same strategy, retrained daily. With `shared` data both arms train on all logs, so
        // every user's outcome is the same whatever the assignment; with `arm` data each arm learns from its
        // own users' plays, and reshuffling users changes outcomes (the feedback loop is per arm).
        let world = SimulationTests.world
        func run(_ scope: TrainingScope, salt: String) throws -> [UserTotals] {
            try Toy.simulator(world: world, settings: SimulationSettings(
                seed: 4, days: 4, retrainEvery: 1, trainingScope: scope, salt: salt,
                page: PageLayout(rows: [.topPicks, .becauseYouWatched, .trending], slots: 5),
                arms: [ArmSpec(name: "a", type: "toy-popular"), ArmSpec(name: "b", type: "toy-popular")])).run().experiment
        }
        XCTAssertEqual(try run(.shared, salt: "x"), try run(.shared, salt: "y"))
        XCTAssertNotEqual(try run(.arm, salt: "x"), try run(.arm, salt: "y"))
    }
}
