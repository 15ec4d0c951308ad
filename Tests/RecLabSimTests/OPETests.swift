import Foundation
import RecLabApp
import RecLabCore
import RecLabSim
import RecLabTestSupport
import XCTest

final class OPETests: XCTestCase {
    func config(seed: UInt64, visits: Int = 2000) throws -> OPEConfig {
        try OPEConfig.parse("""
            name: ope-test
            seed: \(seed)
            dataset: {synthetic: {users: 50, movies: 20, days: 5}}
            visits: \(visits)
            true_visits: 4000
            candidates: 8
            logging: {strategy: most-popular, policy: epsilon-greedy, epsilon: 0.5}
            targets:
              - {name: oracle, strategy: oracle}
              - {name: popular-soft, strategy: most-popular, policy: softmax, temperature: 0.5}
            """, file: nil, strategies: SimulationStrategies.catalogue)
    }

    func testEstimatorsCoverTheTrueValueAndDMIsBiased() throws {
        let world = ToyWorld(users: 300, items: 80, seed: 11)
        let content = world.content()
        let loaded = LoadedWorld(dataset: Dataset(content: content), content: content, behaviour: world, kind: "synthetic")
        let seeds = 20
        let report = try Validation.ope(config: try config(seed: 1), world: loaded, seeds: seeds)
        XCTAssertEqual(report.targets.map(\.name), ["oracle", "popular-soft"])
        for t in report.targets {
            XCTAssertEqual(t.estimators.map(\.name), ["replay", "ips", "snips", "dm", "dr"])
            // 95% intervals over 20 independent logs: expect about 19; demand at least 16.
            for e in t.estimators where ["ips", "snips", "dr"].contains(e.name) {
                XCTAssertGreaterThanOrEqual(e.covered, 16, "\(t.name) \(e.name) covered \(e.covered) of \(seeds)")
                XCTAssertLessThan(abs(e.mean - t.truth), 0.02, "\(t.name) \(e.name) mean \(e.mean) vs truth \(t.truth)")
            }
        }
        // The user-blind reward model misjudges the personalised oracle; DR corrects it.
        let oracle = report.targets[0]
        let dm = oracle.estimators[3], dr = oracle.estimators[4]
        XCTAssertGreaterThan(abs(dm.mean - oracle.truth), 0.05, "DM should be visibly biased for the oracle")
        XCTAssertGreaterThan(dm.meanAbsError, 3 * dr.meanAbsError)
        XCTAssertLessThan(dm.covered, 5)
    }

    func testOracleBeatsPopularityOnPolicy() throws {
        let world = ToyWorld(users: 300, items: 80, seed: 11)
        let content = world.content()
        let loaded = LoadedWorld(dataset: Dataset(content: content), content: content, behaviour: world, kind: "synthetic")
        let r = try OPERunner.run(config: try config(seed: 1), configText: "t", configPath: nil, world: loaded)
        XCTAssertGreaterThan(r.targets[0].trueValue, r.targets[1].trueValue)
        XCTAssertLessThan(r.targets[0].trueCiHigh - r.targets[0].trueCiLow, 0.02)
    }

    func testGreedyLoggingIsRejected() {
        XCTAssertThrowsError(try OPEConfig.parse("""
            name: x
            dataset: {synthetic: {users: 50, movies: 20, days: 5}}
            logging: {strategy: most-popular}
            targets: [{name: t, strategy: random}]
            """, file: "ope.yaml", strategies: SimulationStrategies.catalogue)) { e in
            XCTAssertTrue("\(e)".contains("must explore"), "\(e)")
        }
    }
}
