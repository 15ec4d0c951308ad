import RecLabSim

/// The strategies simulation and OPE configs may name: the registry's plus the types built from the simulated
/// world, registered here once. Configs are validated against this catalogue and keep it, so the simulator and
/// the OPE session build exactly what the config could name; engines hold no list of their own.
public enum SimulationStrategies {
    public static let catalogue = WorldStrategies(worldTypes: [OracleRecommender.worldType, ClickOracleRecommender.worldType])
}
