import Foundation
import RecLabConfig
import RecLabCore
import RecLabEval
import RecLabSim

// Reading config files is the application layer's: the engines parse text they are given.

extension ExperimentConfig {
    /// Reads and validates an experiment config file.
    public static func load(path: String, validate: StrategyValidator = registryValidator) throws -> ExperimentConfig {
        guard FileManager.default.fileExists(atPath: path) else { throw RecLabError.io("experiment config not found", file: path) }
        return try parse(text: try ConfigNode.readText(path: path), path: path, validate: validate)
    }
}

extension ABConfig {
    /// Reads and validates an A/B config file; also returns its text (hashed into the provenance).
    public static func load(path: String) throws -> (config: ABConfig, text: String) {
        let text = try ConfigNode.readText(path: path)
        return (try parse(text, file: path, strategies: SimulationStrategies.catalogue), text)
    }
}

extension OPEConfig {
    /// Reads and validates an OPE config file; also returns its text (hashed into the provenance).
    public static func load(path: String) throws -> (config: OPEConfig, text: String) {
        let text = try ConfigNode.readText(path: path)
        return (try parse(text, file: path, strategies: SimulationStrategies.catalogue), text)
    }
}

extension InterleavingConfig {
    /// Reads and validates a `kind: interleaving` config file; also returns its text (hashed into the provenance).
    public static func load(path: String) throws -> (config: InterleavingConfig, text: String) {
        let text = try ConfigNode.readText(path: path)
        return (try parse(text, file: path, strategies: SimulationStrategies.catalogue), text)
    }
}

extension SimulationKind {
    /// The kind of a `reclab simulate` config file (its `kind:` key, default `ab`).
    public static func of(path: String) throws -> SimulationKind {
        try of(try ConfigNode.readText(path: path), file: path)
    }

    /// The simulation kind of a config file `reclab plan` is given, nil for an offline experiment: a simulation
    /// config names its `arms:` (A/B) or its `kind:`, an offline one neither (it lists `strategies:` and a `split:`).
    public static func ofPlanned(path: String) throws -> SimulationKind? {
        let text = try ConfigNode.readText(path: path)
        let root = try ConfigNode.parse(text, file: path).map()
        guard root.optional("arms") != nil || root.optional("kind") != nil else { return nil }
        return try of(text, file: path)
    }
}
