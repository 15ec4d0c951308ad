import Foundation
import RecLabCore
import RecLabImport
import RecLabStore
import RecLabSynthetic

extension ExperimentRunner {
    /// Loads (or imports, or generates) the experiment's dataset in memory. Imports and generation
    /// happen in memory only: nothing is written.
    public static func loadDataset(_ config: ExperimentConfig, context: RunContext = RunContext()) throws -> Dataset {
        switch config.dataset {
        case .store(let path):
            return try DatasetStore.load(path: path)
        case .movielens(let path, let format):
            // Same pseudonymisation key as `reclab import`, so predefined split files match users.
            let options = ImportOptions(pseudonymizer: try context.pseudonymizer())
            let result = try MovieLensImporter.load(path: path, format: format == "auto" ? nil : MovieLensFormat(name: format),
                                                    options: options)
            return Dataset(content: result.content)
        case .synthetic:
            // Validated at parse time; the world's own seed makes it (not the experiment's seed), so the
            // data equals what `reclab generate` writes for the same config.
            let world = try SyntheticConfig.parse(node: config.syntheticNode!)
            return Dataset(content: context.bound { SyntheticGenerator.generate(world, seed: world.seed) })
        }
    }
}
