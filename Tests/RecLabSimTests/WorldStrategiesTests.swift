import RecLabApp
import RecLabCore
import RecLabSim
import RecLabStrategies
import XCTest

/// World strategy types are registered by the application layer, and a config can name only what its
/// catalogue registers.
final class WorldStrategiesTests: XCTestCase {
    private let abText = """
        name: oracle-check
        dataset: {synthetic: datasets/tiny.yaml}
        days: 3
        arms:
          - {name: control, strategy: most-popular}
          - {name: best, strategy: oracle}
        """

    func testTheApplicationCatalogueRegistersTheOracleOnce() {
        XCTAssertEqual(SimulationStrategies.catalogue.worldTypes.map(\.name), ["oracle", "oracle-click"])
        XCTAssertEqual(SimulationStrategies.catalogue.typeNames.filter { $0 == "oracle" }.count, 1)
        XCTAssertFalse(StrategyRegistry.typeNames.contains("oracle"), "the oracle needs a world: it is not a registry strategy")
    }

    func testAConfigNamingAnUnregisteredWorldTypeFailsAtItsLine() throws {
        XCTAssertThrowsError(try ABConfig.parse(abText, file: "ab.yaml", strategies: .registryOnly)) { e in
            let message = "\(e)"
            XCTAssertTrue(message.contains("ab.yaml:6"), message)
            XCTAssertTrue(message.contains("unknown strategy type 'oracle'"), message)
        }
        let config = try ABConfig.parse(abText, file: "ab.yaml", strategies: SimulationStrategies.catalogue)
        XCTAssertEqual(config.simulation.arms.map(\.type), ["most-popular", "oracle"])
        XCTAssertNotNil(config.simulation.strategies.worldType(named: "oracle"))
    }

    /// The oracle the catalogue builds ranks by the world it is given.
    func testWorldTypesAreBuiltWithTheirWorld() throws {
        let world = AffinityWorld(affinities: [[0.1, 0.9, 0.5]])
        let oracle = try SimulationStrategies.catalogue.make(type: "oracle", parameters: Parameters([:]), world: world)
        var scores = [Float](repeating: -1, count: 3)
        scores.withUnsafeMutableBufferPointer { oracle.score(user: 0, into: $0) }
        XCTAssertEqual(scores, [0.1, 0.9, 0.5])
        XCTAssertThrowsError(try SimulationStrategies.catalogue.make(type: "oracle", parameters: Parameters(["k": .int(1)]), world: world))
    }
}

/// A world that only knows affinities (enough for the oracle).
private struct AffinityWorld: UserBehaviour {
    let affinities: [[Double]]
    var userCount: Int { affinities.count }
    var itemCount: Int { affinities.first?.count ?? 0 }
    func visitProbability(user: Int, day: Int) -> Double { 1 }
    func playProbability(user: Int, item: Int, day: Int) -> Double { 0 }
    func affinity(user: Int, item: Int) -> Double { affinities[user][item] }
    func sampleWatch(user: Int, item: Int, rng: inout SeededRandom) -> (minutes: Double, completion: Double) { (0, 0) }
    func sampleRating(user: Int, item: Int, completion: Double, rng: inout SeededRandom) -> Double? { nil }
}
