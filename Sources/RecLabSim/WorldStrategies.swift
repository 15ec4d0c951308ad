import RecLabConfig
import RecLabCore
import RecLabStrategies

/// The strategies a simulation or OPE run can use: the registry's, plus those built from the world itself
/// (`oracle`, ranking by true affinity). Declared here once: configs validate through it, the simulator and
/// the OPE session build through it.
public enum WorldStrategies {
    /// Types built from the world (they take no parameters and learn nothing from training data).
    public static let worldTypes = [OracleRecommender.typeName, ClickOracleRecommender.typeName]

    /// Every type a simulation config may name, registry first.
    public static var typeNames: [String] { StrategyRegistry.typeNames + worldTypes }

    /// Checks a type and its parameters without a world and without training.
    public static func validate(type: String, parameters: Parameters) throws {
        if worldTypes.contains(type) {
            try parameters.rejectUnknown(allowed: [], owner: type)
        } else {
            _ = try StrategyRegistry.make(type: type, parameters: parameters)
        }
    }

    /// An unfitted strategy of `type` for `world`.
    public static func make(type: String, parameters: Parameters, world: any UserBehaviour) throws -> any Recommender {
        switch type {
        case OracleRecommender.typeName:
            try parameters.rejectUnknown(allowed: [], owner: type)
            return OracleRecommender(world: world)
        case ClickOracleRecommender.typeName:
            try parameters.rejectUnknown(allowed: [], owner: type)
            return ClickOracleRecommender(world: world)
        default:
            return try StrategyRegistry.make(type: type, parameters: parameters)
        }
    }
}
