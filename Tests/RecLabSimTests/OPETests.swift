import Foundation
import RecLabCore
import RecLabSim
import RecLabStore
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
            """, file: nil)
    }

    func testEstimatorsCoverTheTrueValueAndDMIsBiased() throws {
        let world = ToyWorld(users: 300, items: 80, seed: 11)
        let content = world.content()
        let loaded = LoadedWorld(dataset: Dataset(content: content), content: content, behaviour: world, kind: "synthetic")
        var covered: [String: Int] = [:]
        var dmBias = 0.0, drBias = 0.0
        let seeds = 20
        for seed in 1...seeds {
            let r = try OPERunner.run(config: try config(seed: UInt64(seed)), configText: "t", configPath: nil, world: loaded)
            XCTAssertEqual(r.targets.count, 2)
            let oracle = r.targets[0]
            XCTAssertEqual(oracle.estimates.map(\.estimator), ["replay", "ips", "snips", "dm", "dr"])
            for t in r.targets {
                for e in t.estimates where e.ciLow <= t.trueValue && t.trueValue <= e.ciHigh {
                    covered[e.estimator, default: 0] += 1
                }
            }
            dmBias += abs(oracle.estimates[3].value - oracle.trueValue)
            drBias += abs(oracle.estimates[4].value - oracle.trueValue)
        }
        // 95% intervals over 2 targets x 20 seeds: expect about 38 of 40; demand at least 34 (85%).
        for name in ["ips", "snips", "dr"] {
            XCTAssertGreaterThanOrEqual(covered[name, default: 0], 34, "\(name) covered \(covered[name, default: 0]) of 40")
        }
        // The user-blind reward model misjudges a personalised target; DR corrects it.
        XCTAssertGreaterThan(dmBias, 2 * drBias, "mean |bias| DM \(dmBias / 20), DR \(drBias / 20)")
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
            """, file: "ope.yaml")) { e in
            XCTAssertTrue("\(e)".contains("must explore"), "\(e)")
        }
    }
}
