import Foundation
import RecLabConfig
import RecLabCore
import RecLabSynthetic
import XCTest

final class DynamicsTests: XCTestCase {
    func parse(_ yaml: String) throws -> SyntheticConfig {
        try SyntheticConfig.parse(node: try ConfigNode.parse(yaml, file: "world.yaml"))
    }

    func testTheModelFunctions() {
        XCTAssertEqual(UserDynamics.visitOutcome(completions: []), -1)
        XCTAssertEqual(UserDynamics.visitOutcome(completions: [1.0]), 1)
        XCTAssertEqual(UserDynamics.visitOutcome(completions: [0.25]), -0.5, accuracy: 1e-12)
        XCTAssertEqual(UserDynamics.visitOutcome(completions: [1.0, 1.0, 0.9]), 1)
        var d = UserDynamics()
        d.satisfactionMemory = 0.25; d.returnStrength = 1; d.visitFloor = 0.5; d.visitCeiling = 2; d.churnHazard = 0.1
        XCTAssertEqual(d.satisfaction(after: 0, outcome: 1), 0.25, accuracy: 1e-12)
        XCTAssertEqual(d.satisfaction(after: -0.5, outcome: -1), -0.625, accuracy: 1e-12)
        XCTAssertEqual(d.visitMultiplier(satisfaction: 0.5), exp(0.5), accuracy: 1e-12)
        XCTAssertEqual(d.visitMultiplier(satisfaction: -1), 0.5)   // floor
        XCTAssertEqual(d.visitProbability(base: 0.7, satisfaction: 1), 0.99)   // ceiling x base, capped
        XCTAssertEqual(d.churnProbability(satisfaction: 0.3), 0)
        XCTAssertEqual(d.churnProbability(satisfaction: -0.5), 0.05, accuracy: 1e-12)
        d.fatigueRecoveryDays = 7
        XCTAssertEqual(d.decayedFatigue(count: 4, lastDay: 3, day: 10), 2, accuracy: 1e-12)
        XCTAssertEqual(UserDynamics.shifted(0.5, by: log(3)), 0.75, accuracy: 1e-12)
        d.noveltyStrength = 2; d.noveltyFadeImpressions = 10
        XCTAssertEqual(d.noveltyBoost(exposures: [0, 10] as [Float]), (2 + 2 * exp(-1)) / 2, accuracy: 1e-6)
        XCTAssertFalse(UserDynamics.off.isOn)
    }

    func testWorldsWithoutDynamicsKeepTheirFingerprintAndBytes() throws {
        let plain = try parse("name: w\nusers: 40\nmovies: 30\ndays: 10")
        XCTAssertEqual(plain.dynamics, .off)
        XCTAssertFalse(plain.fingerprint.contains("dynamics"))
        let content = SyntheticGenerator.generate(plain, seed: 3)
        let blob = try XCTUnwrap(content.artifacts[GroundTruth.artifactName])
        XCTAssertNil(blob.range(of: Data("DYN1".utf8)))
        XCTAssertEqual(try GroundTruth(encoded: blob).dynamics, .off)
        // A block with every strength at zero is the static model too: same data, same hash.
        let zero = try parse("name: w\nusers: 40\nmovies: 30\ndays: 10\ndynamics: {satisfaction: {memory: 0}, fatigue: {strength: 0}}")
        XCTAssertEqual(ContentHash.compute(SyntheticGenerator.generate(zero, seed: 3)), ContentHash.compute(content))
    }

    func testHostileDynamicsKeysNameTheKeyAndLine() {
        for (yaml, needle) in [("dynamics: {satisfaction: {memory: 2}}", "memory"),
                               ("dynamics: {fatigue: {strenght: 1}}", "strenght"),
                               ("dynamics: {novelty: {fade_impressions: 0}}", "fade_impressions"),
                               ("dynamics: {satisfaction: {visit_ceiling: 0.5}}", "visit_ceiling"),
                               ("dynamics: [1, 2]", "dynamics"),
                               ("dynamics: {mood: {}}", "mood")] {
            XCTAssertThrowsError(try parse("name: w\n" + yaml)) { e in
                XCTAssertTrue("\(e)".contains(needle) && "\(e)".contains("world.yaml"), "\(yaml): \(e)")
            }
        }
    }

    func testGeneratedHistoryFollowsTheDynamics() throws {
        let yaml = "name: w\nseed: 4\nusers: 300\nmovies: 80\ndays: 40\nfactors: 4\nactivity: {visit_probability: 0.3}\n"
        let c = try parse(yaml + "dynamics: {satisfaction: {memory: 1, churn_hazard: 1, return_strength: 0}}")
        let content = SyntheticGenerator.generate(c, seed: 4)
        let truth = try GroundTruth(encoded: try XCTUnwrap(content.artifacts[GroundTruth.artifactName]))
        XCTAssertEqual(truth.dynamics.churnHazard, 1)
        let churned = (0..<truth.userCount).filter { truth.hasChurned(user: $0) }
        XCTAssertGreaterThan(churned.count, 10)
        // Churn happens only below zero satisfaction, and a churned user never visits again to change it.
        for u in churned { XCTAssertLessThan(truth.initialSatisfaction(user: u), 0) }
        let still = SyntheticGenerator.generate(try parse(yaml), seed: 4)
        XCTAssertLessThan(content.interactions.count, still.interactions.count)
        // Deterministic: the same config and seed give the same bytes.
        XCTAssertEqual(ContentHash.compute(SyntheticGenerator.generate(c, seed: 4)), ContentHash.compute(content))
    }
}
