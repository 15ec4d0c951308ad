import Foundation
import RecLabCore
import RecLabResults
import RecLabSim
import RecLabSynthetic
import XCTest

/// The toy world with user dynamics switched on and its play probability optionally overridden.
struct DynamicToy: UserBehaviour {
    var base: ToyWorld
    var dynamics: UserDynamics
    /// nil: the toy world's own play probability.
    var fixedPlay: Double? = nil
    var fixedCompletion: Double? = nil

    var userCount: Int { base.userCount }
    var itemCount: Int { base.itemCount }
    func visitProbability(user: Int, day: Int) -> Double { base.visitProbability(user: user, day: day) }
    func playProbability(user: Int, item: Int, day: Int) -> Double { fixedPlay ?? base.playProbability(user: user, item: item, day: day) }
    func affinity(user: Int, item: Int) -> Double { base.affinity(user: user, item: item) }
    func sampleWatch(user: Int, item: Int, rng: inout SeededRandom) -> (minutes: Double, completion: Double) {
        if let c = fixedCompletion { return (c * 100, c) }
        return base.sampleWatch(user: user, item: item, rng: &rng)
    }
    func sampleRating(user: Int, item: Int, completion: Double, rng: inout SeededRandom) -> Double? {
        base.sampleRating(user: user, item: item, completion: completion, rng: &rng)
    }
}

final class LongTermTests: XCTestCase {
    let toy = ToyWorld(users: 240, items: 60, seed: 5)

    func settings(days: Int = 12, arms: [ArmSpec]? = nil, retrain: Int = 0) -> SimulationSettings {
        var s = SimulationSettings(seed: 3, days: days, preDays: 0, retrainEvery: retrain,
                                   arms: arms ?? [ArmSpec(name: "a", type: "oracle"), ArmSpec(name: "b", type: "oracle")])
        s.longTerm = true
        s.strategies = WorldStrategies(worldTypes: [OracleRecommender.worldType, ClickOracleRecommender.worldType])
        return s
    }

    func run(_ world: any UserBehaviour, _ s: SimulationSettings) throws -> SimulationResult {
        let content = toy.content()
        return try ABSimulator(dataset: Dataset(content: content), content: content, world: world, settings: s).run()
    }

    func loaded(_ world: any UserBehaviour) -> LoadedWorld {
        let content = toy.content()
        return LoadedWorld(dataset: Dataset(content: content), content: content, behaviour: world, kind: "synthetic")
    }

    func testStaticUsersNeverChurnAndTraceSumsToTotals() throws {
        let r = try run(toy, settings())
        let trace = try XCTUnwrap(r.longTerm)
        XCTAssertTrue(r.experiment.allSatisfy { $0.retained == 1 })
        XCTAssertTrue(trace.churnDay.allSatisfy { $0 == .max })
        for u in 0..<toy.userCount {
            let minutes = (0..<trace.days).reduce(0.0) { $0 + Double(trace.minutes[u * trace.days + $1]) }
            XCTAssertEqual(minutes, r.experiment[u].watchMinutes, accuracy: 1e-3 * max(1, minutes))
            let active = (0..<trace.days).reduce(0.0) { $0 + Double(trace.active[u * trace.days + $1]) }
            XCTAssertEqual(active, r.experiment[u].activeDays)
        }
    }

    func testUsersWithNothingWorthWatchingChurnAfterOneVisit() throws {
        var d = UserDynamics()
        d.satisfactionMemory = 1; d.churnHazard = 1; d.returnStrength = 0.5
        let world = DynamicToy(base: toy, dynamics: d, fixedPlay: 0)
        let r = try run(world, settings())
        let visitors = r.experiment.filter { $0.visits > 0 }
        XCTAssertGreaterThan(visitors.count, 100)
        // Outcome -1, satisfaction -1, churn probability 1: one visit each, then gone.
        XCTAssertTrue(visitors.allSatisfy { $0.visits == 1 && $0.retained == 0 })
        let trace = try XCTUnwrap(r.longTerm)
        for u in r.experiment.indices where r.experiment[u].visits > 0 { XCTAssertLessThan(trace.churnDay[u], Int32(trace.days)) }
    }

    func testSatisfiedUsersComeBackMoreOftenWithCommonRandomNumbers() throws {
        var d = UserDynamics()
        d.satisfactionMemory = 0.5; d.returnStrength = 1; d.visitCeiling = 3
        let happy = DynamicToy(base: toy, dynamics: d, fixedPlay: 1, fixedCompletion: 1)
        let still = DynamicToy(base: toy, dynamics: .off, fixedPlay: 1, fixedCompletion: 1)
        let a = try run(happy, settings()), b = try run(still, settings())
        // Same draws per user-day, and a multiplier >= 1 after every (fully satisfying) visit: never fewer visits.
        for u in 0..<toy.userCount { XCTAssertGreaterThanOrEqual(a.experiment[u].visits, b.experiment[u].visits) }
        XCTAssertGreaterThan(a.experiment.reduce(0) { $0 + $1.visits }, 1.2 * b.experiment.reduce(0) { $0 + $1.visits })
    }

    func testImpressionFatigueLowersPlaysOfTitlesShownAgain() throws {
        var d = UserDynamics()
        d.fatigueStrength = 3; d.fatigueRecoveryDays = 100
        let tired = DynamicToy(base: toy, dynamics: d), fresh = DynamicToy(base: toy, dynamics: .off)
        let s = settings(days: 15)
        func ctr(_ r: SimulationResult) -> Double {
            let t = r.experiment.reduce(into: UserTotals()) { $0.plays += $1.plays; $0.impressions += $1.impressions }
            return t.plays / t.impressions
        }
        XCTAssertLessThan(ctr(try run(tired, s)), 0.8 * ctr(try run(fresh, s)))
    }

    func testNoveltyRaisesPlaysOfGenresNewToTheUser() throws {
        var d = UserDynamics()
        d.noveltyStrength = 2; d.noveltyFadeImpressions = 1e6   // never fades: every genre stays novel
        let curious = DynamicToy(base: toy, dynamics: d), plain = DynamicToy(base: toy, dynamics: .off)
        let plays = { (r: SimulationResult) in r.experiment.reduce(0) { $0 + $1.plays } }
        XCTAssertGreaterThan(plays(try run(curious, settings())), plays(try run(plain, settings())))
    }

    func testTruthWorldsReplayEachArmsUsersExactlyWithoutInterference() throws {
        var d = UserDynamics()
        d.satisfactionMemory = 0.4; d.returnStrength = 0.8; d.churnHazard = 0.2; d.fatigueStrength = 0.5
        let world = DynamicToy(base: toy, dynamics: d)
        let s = settings(arms: [ArmSpec(name: "affinity", type: "oracle"), ArmSpec(name: "click", type: "oracle-click")])
        let ab = try run(world, s)
        let worlds = try TruthWorlds.simulate(settings: s, world: loaded(world))
        // No retraining: a user's page depends only on their arm, so the truth world of their arm repeats them exactly.
        for u in 0..<toy.userCount {
            let w = worlds[ab.assignment[u]].experiment[u], x = ab.experiment[u]
            XCTAssertEqual(w.visits, x.visits); XCTAssertEqual(w.plays, x.plays); XCTAssertEqual(w.retained, x.retained)
            XCTAssertEqual(w.watchMinutes, x.watchMinutes, accuracy: 1e-9)
        }
        let analysis = ABAnalysis.analyse(ab, settings: s, analysis: AnalysisSettings())
        let (truth, _) = TruthWorlds.analyse(ab: ab, comparisons: analysis.comparisons, longTerm: nil, worlds: worlds,
                                             settings: s, alpha: 0.05, seed: 1)
        XCTAssertEqual(Set(truth.effects.map(\.metric)), Set(ABAnalysis.metrics(longTerm: true).map(\.name)))
        for e in truth.effects { XCTAssertEqual(e.bias, e.abLift - e.trueEffect, accuracy: 1e-12) }
    }

    func testOPEFromAnExploringControlEstimatesEveryEstimator() throws {
        var d = UserDynamics()
        d.satisfactionMemory = 0.4; d.returnStrength = 0.8; d.churnHazard = 0.1
        let world = DynamicToy(base: toy, dynamics: d)
        var s = settings()
        s.arms[0].epsilon = 0.2; s.featuredLog = true
        let ab = try run(world, s)
        let worlds = try TruthWorlds.simulate(settings: s, world: loaded(world))
        let analysis = ABAnalysis.analyse(ab, settings: s, analysis: AnalysisSettings())
        let (truth, _) = TruthWorlds.analyse(ab: ab, comparisons: analysis.comparisons, longTerm: nil, worlds: worlds,
                                             settings: s, alpha: 0.05, seed: 1)
        XCTAssertFalse(truth.effects.isEmpty)
        XCTAssertNil(truth.opeNote)
        XCTAssertEqual(Set(truth.ope.map(\.estimator)), ["replay", "ips", "snips", "dm", "dr"])
        XCTAssertTrue(truth.ope.allSatisfy { $0.n > 0 && $0.opeEffect.isFinite })
    }

    func testTrueEffectOfTheSameArmTwiceIsExactlyZero() throws {
        let world = DynamicToy(base: toy, dynamics: { var d = UserDynamics(); d.satisfactionMemory = 0.5; d.returnStrength = 1; d.churnHazard = 0.2; return d }())
        let s = settings()
        let ab = try run(world, s)
        let worlds = try TruthWorlds.simulate(settings: s, world: loaded(world))
        let analysis = ABAnalysis.analyse(ab, settings: s, analysis: AnalysisSettings())
        let (truth, _) = TruthWorlds.analyse(ab: ab, comparisons: analysis.comparisons, longTerm: nil, worlds: worlds,
                                             settings: s, alpha: 0.05, seed: 1)
        for e in truth.effects where e.trueEffect.isFinite {
            // Both worlds serve identical pages with identical draws: the truth is exactly no effect, and the A/B
            // estimate's whole deviation is bias (an A/A test's noise).
            XCTAssertEqual(e.trueEffect, 0, "\(e.metric)")
            XCTAssertEqual(e.bias, e.abLift, "\(e.metric)")
        }
        XCTAssertEqual(truth.opeNote?.contains("epsilon"), true)
    }

    func testDecisionFlipDays() {
        let up: [(day: Int, value: Double, low: Double, high: Double)] =
            [(0, 0, 0, 0), (1, 2, 1, 3), (2, 1, -1, 3), (3, -1, -2, 0.5), (4, -2, -3, -1), (5, -3, -4, -2)]
        let f = LongTermAnalysis.flip(up)
        XCTAssertEqual(f?.sign, 1); XCTAssertEqual(f?.day, 3); XCTAssertEqual(f?.significantDay, 4)
        let steady = LongTermAnalysis.flip([(0, -1, -2, 0), (1, -2, -3, -1), (2, 1, 0, 2), (3, -1, -2, 0)])
        XCTAssertEqual(steady?.sign, -1); XCTAssertNil(steady?.day); XCTAssertNil(steady?.significantDay)
        XCTAssertNil(LongTermAnalysis.flip([(0, 0, 0, 0)]))
        // Against a given verdict (CTR wins): retention, zero at first, falls behind from day 2 for good.
        let retention = LongTermAnalysis.flip([(0, 0, 0, 0), (1, 0, 0, 0), (2, -0.01, -0.03, 0.01), (3, -0.02, -0.03, -0.01)], sign: 1)
        XCTAssertEqual(retention?.day, 2); XCTAssertEqual(retention?.significantDay, 3)
    }

    func testTruthAndLongTermKeysAreCheckedInConfigs() {
        let base = """
            name: x
            dataset: {synthetic: {users: 50, movies: 20, days: 5}}
            arms: [{name: a, strategy: random}, {name: b, strategy: random}]
            """
        XCTAssertThrowsError(try ABConfig.parse(base + "\ntruth: perhaps", file: "ab.yaml", strategies: .registryOnly)) { e in
            XCTAssertTrue("\(e)".contains("truth") && "\(e)".contains("ab.yaml"), "\(e)")
        }
        XCTAssertThrowsError(try ABConfig.parse(base + "\nlong_term: [1]", file: "ab.yaml", strategies: .registryOnly)) { e in
            XCTAssertTrue("\(e)".contains("long_term"), "\(e)")
        }
        XCTAssertEqual(try ABConfig.parse(base + "\ntruth: true", file: "ab.yaml", strategies: .registryOnly).truth, true)
        XCTAssertEqual(try ABConfig.parse(base, file: "ab.yaml", strategies: .registryOnly).truth, false)
    }
}
