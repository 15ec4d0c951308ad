import Foundation
import RecLabCore
import RecLabSim
import RecLabStats
import RecLabTestSupport
import XCTest

final class InterleavingTests: XCTestCase {
    static let world = ToyWorld(users: 160, items: 60, seed: 3)

    func settings(_ teams: [ArmSpec], days: Int = 2, seed: UInt64 = 5, slots: Int = 6) -> SimulationSettings {
        var s = SimulationSettings(seed: seed, days: days, retrainEvery: 0, trainingScope: .shared, salt: "il",
                                   page: PageLayout(rows: [.topPicks, .trending, .genre], slots: slots),
                                   arms: [ArmSpec(name: "interleaved", type: teams[0].type)])
        s.teams = teams
        return s
    }

    func testTeamDraftInvariants() {
        var rng = SeededRandom(seed: 1)
        for trial in 0..<200 {
            let teams = 2 + trial % 3
            let rankings = (0..<teams).map { _ in (0..<30).map { _ in Int32(rng.nextInt(25)) }.reduce(into: [Int32]()) { if !$0.contains($1) { $0.append($1) } } }
            let merged = TeamDraft.merge(rankings: rankings, length: 12, rng: &rng)
            XCTAssertEqual(Set(merged.map(\.item)).count, merged.count, "no title twice")
            var taken = Set<Int32>()
            var picks = [Int](repeating: 0, count: teams)
            for (k, m) in merged.enumerated() {
                // Each pick is the team's best title not yet in the list.
                XCTAssertEqual(m.item, rankings[m.team].first { !taken.contains($0) })
                taken.insert(m.item); picks[m.team] += 1
                // Rounds: after every full round each team has picked once more (while no ranking runs out).
                if (k + 1) % teams == 0 { XCTAssertEqual(Set(picks).count, 1, "\(picks) after \(k + 1) picks") }
            }
        }
        // Two teams: who picks first is a fair coin.
        var first = 0
        for _ in 0..<2000 { if TeamDraft.merge(rankings: [[1, 2, 3], [1, 2, 3]], length: 2, rng: &rng)[0].team == 0 { first += 1 } }
        XCTAssertEqual(Double(first) / 2000, 0.5, accuracy: 0.04)
    }

    /// Fairness: two identical strategies, 200 seeds. The per-user preference averages 0 and the sign test's
    /// p-values are uniform (a KS distance within the 1% critical value; the share below 0.05 within binomial bounds).
    func testIdenticalStrategiesAreATieWithUniformPValues() throws {
        let teams = [ArmSpec(name: "a", type: "toy-popular"), ArmSpec(name: "b", type: "toy-popular")]
        var pValues: [Double] = [], deltas: [Double] = []
        var impressions = [0, 0]
        let world = ToyWorld(users: 240, items: 60, seed: 3)
        let content = world.content(), dataset = Dataset(content: world.content())
        for k in 0..<200 {
            let sim = try ABSimulator(dataset: dataset, content: content, world: world,
                                      settings: settings(teams, days: 1, seed: 100 + UInt64(k))) { _ in try ToyPopular(parameters: Parameters()) }
            let r = try sim.run()
            let d = InterleavingAnalysis.scores(InterleavingAnalysis.credits(r.teamVisits, teams: 2, credit: .plays), a: 0, b: 1)
            let t = InterleavingAnalysis.test(d, alpha: 0.05)
            pValues.append(t.pValue); deltas.append(t.preference)
            impressions[0] += r.teamImpressions[0]; impressions[1] += r.teamImpressions[1]
        }
        let meanDelta = Descriptive.mean(deltas), se = Descriptive.standardError(deltas)
        XCTAssertLessThan(abs(meanDelta), 3 * se, "mean preference \(meanDelta) ± \(se)")
        XCTAssertEqual(Double(impressions[0]) / Double(impressions[0] + impressions[1]), 0.5, accuracy: 0.01)
        let below = Double(pValues.filter { $0 < 0.05 }.count) / 200
        XCTAssertLessThanOrEqual(below, 0.05 + 3 * (0.05 * 0.95 / 200).squareRoot(), "share of p < 0.05: \(below)")
        // Uniform p-values: the share at or below x is about x at every level. The sign test is discrete (each run
        // has a few dozen users with a preference), so its p-values are conservative: P(p ≤ x) ≤ x, and lumpy:
        // the lower bound allows the largest gap between attainable p-values at these sizes.
        for x in [0.05, 0.1, 0.25, 0.5, 0.75] {
            let share = Double(pValues.filter { $0 <= x }.count) / 200
            let sd = (x * (1 - x) / 200).squareRoot()
            XCTAssertLessThanOrEqual(share, x + 3 * sd, "share of p ≤ \(x): \(share)")
            XCTAssertGreaterThanOrEqual(share, x - 3 * sd - 0.12, "share of p ≤ \(x): \(share)")
        }
    }

    func testTheTrulyBetterStrategyWinsAndPlaysAreCreditedToTheirTeam() throws {
        let teams = [ArmSpec(name: "random", type: "toy-random"), ArmSpec(name: "oracle", type: "oracle")]
        let r = try Toy.simulator(world: Self.world, settings: settings(teams, days: 3)).run()
        let credits = InterleavingAnalysis.credits(r.teamVisits, teams: 2, credit: .plays)
        let t = InterleavingAnalysis.test(InterleavingAnalysis.scores(credits, a: 0, b: 1), alpha: 0.05)
        XCTAssertLessThan(t.preference, 0)
        XCTAssertLessThan(t.ciHigh, 0)
        XCTAssertLessThan(t.pValue, 0.001)
        XCTAssertEqual(t.wins + t.losses + t.ties, credits.users.count)
        // The log names the contributing team; credited plays are exactly the played drafted impressions.
        var loggedPlays = [0.0, 0.0]
        for k in 0..<r.log.count where r.log.played[k] && r.log.arm[k] >= 0 { loggedPlays[Int(r.log.arm[k])] += 1 }
        for team in 0..<2 {
            XCTAssertEqual(r.teamVisits.reduce(0.0) { $0 + Double($1.plays[team]) }, loggedPlays[team])
        }
        // Only the personalised rows are drafted: the trending row (row 1 when shown) credits nobody.
        XCTAssertTrue((0..<r.log.count).contains { r.log.arm[$0] == -1 })
        XCTAssertTrue((0..<r.log.count).allSatisfy { r.log.row[$0] != 1 || r.log.arm[$0] == -1 })
        XCTAssertTrue((0..<r.log.count).allSatisfy { r.log.row[$0] != 0 || r.log.arm[$0] >= 0 })
    }

    func testMultileavingGivesEveryPairAndHoldsTheOrderOfQuality() throws {
        let teams = [ArmSpec(name: "random", type: "toy-random"), ArmSpec(name: "pop", type: "toy-popular"),
                     ArmSpec(name: "oracle", type: "oracle")]
        let r = try Toy.simulator(world: Self.world, settings: settings(teams, days: 3)).run()
        XCTAssertEqual(r.teamImpressions.count, 3)
        let total = Double(r.teamImpressions.reduce(0, +))
        for n in r.teamImpressions { XCTAssertEqual(Double(n) / total, 1.0 / 3, accuracy: 0.02) }
        let c = InterleavingAnalysis.credits(r.teamVisits, teams: 3, credit: .watchMinutes)
        XCTAssertGreaterThan(InterleavingAnalysis.test(InterleavingAnalysis.scores(c, a: 2, b: 0), alpha: 0.05).preference, 0)
    }

    /// A/A tests with daily looks: naive peeking is significant far more often than alpha, the confidence
    /// sequence and both spending functions stay near or below it; the last look's statistic is the
    /// fixed-horizon comparison.
    func testSequentialLooksControlPeeking() throws {
        let arms = [ArmSpec(name: "a", type: "toy-popular"), ArmSpec(name: "b", type: "toy-popular")]
        let s = SimulationSettings(seed: 5, days: 12, retrainEvery: 0, salt: "seq",
                                   page: PageLayout(rows: [.topPicks, .trending], slots: 6), arms: arms)
        let world = ToyWorld(users: 400, items: 60, seed: 4)
        let r = try Toy.simulator(world: world, settings: s).run()
        let keys = (0..<400).map { String(format: "p%05d", $0) }
        let metric = ABAnalysis.metrics.filter { $0.name == "plays_per_user" }
        var naive = 0, cs = 0, obf = 0, pocock = 0
        let salts = 300
        // Everybody's visits are the same under any assignment, so the users per look (and the boundaries) are too.
        var cache: [[Int]: [[Double]]] = [:]
        for k in 0..<salts {
            let rule = HashAssignment(salt: "peek-\(k)", weights: [1, 1])
            let (series, users, visits) = SequentialAnalysis.looks(daily: r.daily, days: 12, assignment: keys.map { rule.arm(for: $0)! },
                                                           pre: r.pre, arms: 2, control: 0, cuped: false, metrics: metric)
            let z = series[0].z
            if cache[users + visits] == nil {
                cache[users + visits] = [SequentialMethod.confidenceSequence, .obrienFleming, .pocock].map {
                    SequentialAnalysis.boundaries($0, alpha: 0.05, users: users, visits: visits, tuning: 400)
                }
            }
            let b = cache[users + visits]!
            if SequentialAnalysis.stopDay(z: z, boundary: z.map { _ in 1.959964 }) != nil { naive += 1 }
            if SequentialAnalysis.stopDay(z: z, boundary: b[0]) != nil { cs += 1 }
            if SequentialAnalysis.stopDay(z: z, boundary: b[1]) != nil { obf += 1 }
            if SequentialAnalysis.stopDay(z: z, boundary: b[2]) != nil { pocock += 1 }
        }
        print("A/A over \(salts) salts, 12 daily looks: naive \(naive), confidence sequence \(cs), O'Brien-Fleming \(obf), Pocock \(pocock); users per look \(cache.keys.first ?? [])")
        let rate = { (n: Int) in Double(n) / Double(salts) }
        XCTAssertGreaterThan(rate(naive), 0.09, "naive peeking \(rate(naive))")
        let bound = 0.05 + 3 * (0.05 * 0.95 / Double(salts)).squareRoot()
        XCTAssertLessThan(rate(cs), bound); XCTAssertLessThan(rate(obf), bound); XCTAssertLessThan(rate(pocock), bound)
        XCTAssertGreaterThan(rate(naive), rate(obf)); XCTAssertGreaterThan(rate(naive), rate(cs))

        // The last look is the fixed-horizon analysis.
        var analysis = AnalysisSettings()
        analysis.sequential = .obrienFleming
        let seq = try XCTUnwrap(SequentialAnalysis.analyse(r, settings: s, analysis: analysis))
        let fixed = ABAnalysis.analyse(r, settings: s, analysis: analysis)
        for m in ["plays_per_user", "ctr", "watch_minutes_per_user"] {
            let last = try XCTUnwrap(seq.metrics.first { $0.metric == m }?.looks.last)
            let cmp = try XCTUnwrap(fixed.comparisons.first { $0.metric == m })
            XCTAssertEqual(last.difference, cmp.lift, accuracy: 1e-9 * max(1, abs(cmp.lift)))
            XCTAssertEqual(last.users, fixed.arms.map(\.users).reduce(0, +))
        }
        XCTAssertEqual(seq.metrics.count, ABAnalysis.metrics.count)
        XCTAssertNil(SequentialAnalysis.analyse(r, settings: s, analysis: AnalysisSettings()))
    }
}
