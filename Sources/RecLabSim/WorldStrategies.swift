import RecLabConfig
import RecLabCore
import RecLabStrategies

/// A strategy type built from the simulated world itself rather than learned from logs (it ranks by what only
/// the simulator knows, such as `oracle`'s true affinity). It takes the world when the run builds it.
public struct WorldStrategyType: Sendable {
    public let name: String
    public let summary: String
    /// Parameter keys it accepts (every other key is an error naming the file, line and key).
    public let parameters: [String]
    public let make: @Sendable (Parameters, any UserBehaviour) throws -> any Recommender

    public init(name: String, summary: String, parameters: [String] = [],
                make: @escaping @Sendable (Parameters, any UserBehaviour) throws -> any Recommender) {
        self.name = name; self.summary = summary; self.parameters = parameters; self.make = make
    }
}

/// The strategies a simulation or OPE plan can name: the registry's, plus the world types the application
/// layer registers (`RecLabApp.SimulationStrategies`). A plan keeps the catalogue it was validated against, so
/// the simulator and the OPE session build exactly the types its config could name.
public struct WorldStrategies: Sendable {
    public let worldTypes: [WorldStrategyType]

    public init(worldTypes: [WorldStrategyType]) {
        precondition(Set(worldTypes.map(\.name)).count == worldTypes.count, "world strategy types must have distinct names")
        precondition(worldTypes.allSatisfy { !StrategyRegistry.typeNames.contains($0.name) },
                     "a world strategy type may not shadow a registry type")
        self.worldTypes = worldTypes
    }

    /// The registry's strategies only (no world types).
    public static let registryOnly = WorldStrategies(worldTypes: [])

    /// Every type a simulation config may name, registry first.
    public var typeNames: [String] { StrategyRegistry.typeNames + worldTypes.map(\.name) }

    public func worldType(named name: String) -> WorldStrategyType? { worldTypes.first { $0.name == name } }

    /// Checks a type and its parameters without a world and without training.
    public func validate(type: String, parameters: Parameters) throws {
        if let w = worldType(named: type) {
            try parameters.rejectUnknown(allowed: Set(w.parameters), owner: type)
        } else {
            _ = try StrategyRegistry.make(type: type, parameters: parameters)
        }
    }

    /// An unfitted strategy of `type` for `world`.
    public func make(type: String, parameters: Parameters, world: any UserBehaviour) throws -> any Recommender {
        if let w = worldType(named: type) {
            try parameters.rejectUnknown(allowed: Set(w.parameters), owner: type)
            return try w.make(parameters, world)
        }
        return try StrategyRegistry.make(type: type, parameters: parameters)
    }
}

extension OracleRecommender {
    /// `oracle` as a world strategy type (registered by the application layer).
    public static let worldType = WorldStrategyType(name: typeName, summary: summary) { _, world in
        OracleRecommender(world: world)
    }
}
