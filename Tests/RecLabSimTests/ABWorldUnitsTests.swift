import Foundation
import RecLabApp
import RecLabCore
import RecLabResults
import RecLabSim
import RecLabTestSupport
import XCTest

/// An A/B config with `truth: true` cut into one unit per world (`ab-world`), run in shuffled order and
/// gathered, gives the ab.json of `ABRunner.run`.
final class ABWorldUnitsTests: XCTestCase {
    /// A few hundred users with dynamics, a few days, daily retraining (the truth differs from the A/B test) and
    /// an exploring control (OPE beside the truth reads the featured slots).
    static let configText = """
        name: ab-units
        seed: 9
        dataset:
          synthetic:
            name: synthetic-units
            seed: 9
            users: 160
            movies: 90
            days: 20
            start_date: 2024-01-01
            factors: 6
            activity: {visit_probability: 0.3}
            dynamics:
              satisfaction: {memory: 0.3, return_strength: 0.4, churn_hazard: 0.05}
              fatigue: {strength: 0.2, recovery_days: 7}
        days: 4
        pre_period_days: 1
        retrain_every: 2
        truth: true
        page: {rows: [top-picks, trending], slots: 5}
        arms:
          - {name: popular, strategy: most-popular, weight: 1, control: true, epsilon: 0.2}
          - {name: ease, strategy: ease, params: {lambda: 50}, weight: 1}
          - {name: random, strategy: random, weight: 1}
        """

    func load(_ text: String) throws -> (ABConfig, LoadedWorld) {
        let config = try ABConfig.parse(text, file: "ab-units.yaml", strategies: SimulationStrategies.catalogue)
        return (config, try DatasetSources.world(config.dataset, context: RunContext()))
    }

    /// Lines naming the build or the clock (as the CLI tests drop them).
    static func stable(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { line in !["\"git_commit\"", "\"reclab_version\"", "\"created_at\"", "_seconds\""].contains { line.contains($0) } }
            .joined(separator: "\n")
    }

    func testShuffledWorldsGatherIntoTheSingleMachineRun() throws {
        let (config, world) = try load(Self.configText)
        let context = RunContext()
        let plan = try ABRunner.plan(config, configText: Self.configText, configPath: "ab-units.yaml", world: world)
        XCTAssertEqual(plan.units.map(\.id), ["ab/experiment", "ab/truth/popular", "ab/truth/ease", "ab/truth/random"])
        XCTAssertEqual(plan.units.map { $0.coordinates["world"] }, [-1, 0, 1, 2])
        XCTAssertTrue(plan.units.allSatisfy { $0.kind == .abWorld })
        // The plan survives its manifest's encoding.
        XCTAssertEqual(try WorkPlan.decode(try plan.encoded(), source: "plan.json"), plan)

        var files: [Int: Data] = [:]
        for i in [2, 0, 3, 1] {
            let (result, _) = try ABRunner.runUnit(config, configText: Self.configText, world: world, plan: plan, index: i,
                                                   source: "plan.json", context: context)
            files[i] = try result.encoded()
        }
        // A unit run again gives the same bytes.
        let again = try ABRunner.runUnit(config, configText: Self.configText, world: world, plan: plan, index: 2, source: "plan.json", context: context)
        XCTAssertEqual(try again.result.encoded(), files[2])

        let gathered = try ABRunner.gather(config, configText: Self.configText, world: world, plan: plan, source: "plan.json", context: context) {
            try ABWorldUnitResult.decode(files[$0]!, source: "unit-\($0).json")
        }
        let single = try ABRunner.run(config: config, configText: Self.configText, configPath: "ab-units.yaml", world: world, context: context)
        XCTAssertNotNil(single.document.truth)
        XCTAssertFalse(single.document.truth?.ope.isEmpty ?? true, "OPE beside the truth is compared too")
        XCTAssertEqual(Self.stable(gathered.json), Self.stable(single.json))
        XCTAssertEqual(gathered.csv, single.csv)
        XCTAssertEqual(gathered.totalVisits, single.totalVisits)

        // A partial result of another unit, or with a world out of range, is refused with the unit named.
        XCTAssertThrowsError(try ABRunner.gather(config, configText: Self.configText, world: world, plan: plan, source: "plan.json") {
            try ABWorldUnitResult.decode(files[$0 == 2 ? 1 : $0]!, source: "unit-\($0).json")
        }) { XCTAssertTrue("\($0)".contains("ab/truth/ease"), "\($0)") }
        var hostile = try ABWorldUnitResult.decode(files[0]!, source: "unit-0.json")
        hostile.simulation.assignment[0] = 7
        XCTAssertThrowsError(try ABRunner.gather(config, configText: Self.configText, world: world, plan: plan, source: "plan.json") {
            $0 == 0 ? hostile : try ABWorldUnitResult.decode(files[$0]!, source: "unit-\($0).json")
        }) { XCTAssertTrue("\($0)".contains("assignment") && "\($0)".contains("ab/experiment"), "\($0)") }
        XCTAssertThrowsError(try ABWorldUnitResult.decode(Data("{\"unit\": 3}".utf8), source: "units/unit-0000003.json")) {
            XCTAssertTrue("\($0)".contains("units/unit-0000003.json"), "\($0)")
        }

        // Units that are not those planning gives are refused.
        var edited = plan
        edited.units[1].coordinates["world"] = 2
        XCTAssertThrowsError(try ABRunner.runUnit(config, configText: Self.configText, world: world, plan: edited, index: 1, source: "plan.json")) {
            XCTAssertTrue("\($0)".contains("not those planning gives"), "\($0)")
        }
    }

    func testWithoutTruthOneUnitGivesTheSingleMachineRun() throws {
        let text = Self.configText.replacingOccurrences(of: "truth: true", with: "truth: false")
        let (config, world) = try load(text)
        let context = RunContext()
        let plan = try ABRunner.plan(config, configText: text, configPath: "ab-units.yaml", world: world)
        XCTAssertEqual(plan.units.map(\.id), ["ab/experiment"])
        let unit = try ABRunner.runUnit(config, configText: text, world: world, plan: plan, index: 0, source: "plan.json", context: context).result
        let gathered = try ABRunner.gather(config, configText: text, world: world, plan: plan, source: "plan.json", context: context) { _ in unit }
        let single = try ABRunner.run(config: config, configText: text, configPath: "ab-units.yaml", world: world, context: context)
        XCTAssertNil(single.document.truth)
        XCTAssertEqual(Self.stable(gathered.json), Self.stable(single.json))
    }
}
