import Foundation
import RecLabApp
import RecLabCore
import RecLabSim
import RecLabTestSupport
import XCTest

/// Hostile `kind: interleaving` configs and the new `analysis.sequential` keys: every error names the file,
/// the line and the key, and nothing is run.
final class InterleavingConfigTests: XCTestCase {
    let head = "kind: interleaving\nname: x\ndataset: {synthetic: datasets/tiny.yaml}\n"
    let two = "strategies:\n  - {name: a, strategy: most-popular}\n  - {name: b, strategy: random}\n"

    func parse(_ text: String) throws -> InterleavingConfig {
        try InterleavingConfig.parse(TestSupport.rootedConfigText(text), file: "il.yaml", strategies: SimulationStrategies.catalogue)
    }

    func expectError(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try parse(text)
            XCTFail("accepted: \(text)", file: file, line: line)
        } catch {
            XCTAssertTrue("\(error)".contains(expected), "expected '\(expected)' in: \(error)", file: file, line: line)
        }
    }

    func testValidConfig() throws {
        let c = try parse(head + "days: 3\n" + two + "analysis: {alpha: 0.1, credit: watch_minutes}\n")
        XCTAssertEqual(c.teams.map(\.name), ["a", "b"])
        XCTAssertEqual(c.method, "team-draft")
        XCTAssertEqual(c.credit, .watchMinutes)
        XCTAssertEqual(c.alpha, 0.1)
        XCTAssertEqual(c.simulation.days, 3)
        XCTAssertEqual(c.simulation.arms.count, 1)
        XCTAssertEqual(try SimulationKind.of(head + two, file: nil), .interleaving)
        XCTAssertEqual(try SimulationKind.of("name: x\n", file: nil), .ab)
    }

    func testHostileInterleavingConfigs() {
        expectError(head + "strategies:\n  - {name: a, strategy: most-popular}\n", "'strategies': interleaving needs at least two strategies, got 1")
        expectError(head + "strategies:\n  - {name: a, strategy: most-popular}\n  - {name: a, strategy: random}\n", "il.yaml:6: 'strategies[1].name': strategy names must be unique")
        expectError(head + "strategies:\n  - {name: a, strategy: most-popular}\n  - {name: b, strategy: no-such}\n", "il.yaml:6: 'strategies[1].strategy': unknown strategy type 'no-such'")
        expectError(head + "strategies:\n  - {name: a, strategy: most-popular, weight: 2}\n  - {name: b, strategy: random}\n", "'strategies[0].weight': unknown key")
        expectError(head + "strategies:\n  - {name: ../a, strategy: most-popular}\n  - {name: b, strategy: random}\n", "'strategies[0].name'")
        expectError(head + "page: {slots: 2}\nstrategies:\n" + String(repeating: "  - {name: s, strategy: random}\n", count: 1)
                    + "  - {name: t, strategy: random}\n  - {name: u, strategy: random}\n", "3 strategies cannot each place a title in a row of 2 slots")
        expectError(head + "page: {rows: [trending]}\n" + two, "needs a personalised row")
        expectError(head + two + "analysis: {credit: hugs}\n", "il.yaml:7: 'analysis.credit': unknown credit 'hugs'")
        expectError(head + two + "analysis: {alpha: 1.5}\n", "il.yaml:7: 'analysis.alpha': must be in (0, 1)")
        expectError(head + two + "arms: []\n", "il.yaml:7: 'arms': unknown key")
        expectError(head + "days: 0\n" + two, "il.yaml:4: 'days': must be in 1...")
        expectError(head + "strategies: {a: 1}\n", "'strategies'")
        expectError(head.replacingOccurrences(of: "interleaving", with: "bake-off") + two, "il.yaml:1: 'kind': this parser reads 'kind: interleaving' configs")
        XCTAssertThrowsError(try SimulationKind.of("kind: bake-off\nname: x\n", file: "k.yaml")) { e in
            XCTAssertTrue("\(e)".contains("k.yaml:1: 'kind': unknown simulation kind 'bake-off'"), "\(e)")
        }
    }

    func testHostileSequentialKeysAndKinds() throws {
        let ab = "name: x\ndataset: {synthetic: datasets/tiny.yaml}\narms:\n  - {name: a, strategy: most-popular, control: true}\n  - {name: b, strategy: random}\n"
        func abError(_ extra: String, _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try ABConfig.parse(TestSupport.rootedConfigText(ab + extra), file: "ab.yaml", strategies: SimulationStrategies.catalogue), line: line) { e in
                XCTAssertTrue("\(e)".contains(expected), "expected '\(expected)' in: \(e)", line: line)
            }
        }
        abError("analysis: {sequential: sometimes}\n", "ab.yaml:6: 'analysis.sequential': unknown sequential method 'sometimes'")
        abError("analysis: {sequential: pocock, sequential_tuning: 500}\n", "'analysis.sequential_tuning': sequential_tuning applies only to 'sequential: confidence-sequence'")
        abError("analysis: {sequential: confidence-sequence, sequential_tuning: 0}\n", "'analysis.sequential_tuning': must be in 1...")
        abError("analysis: {sequential: [pocock]}\n", "'analysis.sequential'")
        abError("kind: interleaving\n", "ab.yaml:6: 'kind': this parser reads 'kind: ab' configs")
        let ok = try ABConfig.parse(TestSupport.rootedConfigText(ab) + "kind: ab\nanalysis: {sequential: confidence-sequence, sequential_tuning: 250}\n", file: "ab.yaml", strategies: SimulationStrategies.catalogue)
        XCTAssertEqual(ok.analysis.sequential, .confidenceSequence)
        XCTAssertEqual(ok.analysis.sequentialTuning, 250)
        XCTAssertEqual(try ABConfig.parse(TestSupport.rootedConfigText(ab), file: "ab.yaml", strategies: SimulationStrategies.catalogue).analysis.sequential, SequentialMethod.none)
    }
}
