import Foundation
import RecLabConfig
import RecLabCore
import RecLabEval
import RecLabImport
import RecLabPlan
import RecLabSim
import RecLabStore
import RecLabSynthetic

/// Resolves a config's `dataset:` block to data in memory, for every kind of run, in one place: a store
/// (read-only), a MovieLens folder or zip imported in memory, a synthetic world generated in memory, and,
/// for simulations of imported data, a fitted semi-synthetic world. Nothing is written.
public enum DatasetSources {
    /// The dataset's content and, for a store, the content hash it recorded (not recomputed).
    public static func content(_ source: DatasetSource, syntheticNode: ConfigNode?, context: RunContext) throws
        -> (content: DatasetContent, contentHash: String?) {
        switch source {
        case .store(let path):
            // Bound to the run's threads: a large interactions table is read by one connection per worker.
            return (try context.bound { try DatasetStore.loadContent(path: path) }, try DatasetStore.info(path: path)["content_hash"])
        case .movielens(let path, let format):
            // Same pseudonymisation key as `reclab import`, so predefined split files match users.
            let pseudonymizer = try context.pseudonymizer()
            if pseudonymizer.usesDevelopmentKey { context.log.warning("\(Pseudonymizer.developmentKeyWarning)") }
            let fmt = format == "auto" ? nil : MovieLensFormat(name: format)
            let options = ImportOptions(pseudonymizer: pseudonymizer)
            return (try context.bound { try MovieLensImporter.load(path: path, format: fmt, options: options) }.content, nil)
        case .synthetic:
            // Validated at parse time; the world's own seed makes it (not the run's seed), so the data equals
            // what `reclab generate` writes for the same config.
            guard let node = syntheticNode else { throw RecLabError.usage("synthetic dataset without a config") }
            let world = try SyntheticConfig.parse(node: node)
            return (context.bound { SyntheticGenerator.generate(world, seed: world.seed) }, nil)
        }
    }

    /// The dense dataset of an offline experiment.
    public static func dataset(for config: ExperimentConfig, context: RunContext) throws -> Dataset {
        let (content, hash) = try self.content(config.dataset, syntheticNode: config.syntheticNode, context: context)
        return context.bound { Dataset(content: content, contentHash: hash) }
    }

    /// The world a simulation or OPE config runs in: the data's own ground truth, else one fitted to it.
    public static func world(_ block: DatasetBlock, context: RunContext) throws -> LoadedWorld {
        let (content, hash) = try self.content(block.source, syntheticNode: block.syntheticNode, context: context)
        let dataset = context.bound { Dataset(content: content, contentHash: hash) }
        return try SimWorlds.world(dataset: dataset, content: content, worldSeed: block.worldSeed, context: context)
    }
}
