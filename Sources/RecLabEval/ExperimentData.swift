import Foundation
import RecLabCore
import RecLabImport
import RecLabStore

extension ExperimentRunner {
    /// Loads (or imports, or generates) the experiment's dataset in memory. Imports and generation
    /// happen in memory only: nothing is written.
    public static func loadDataset(_ config: ExperimentConfig) throws -> Dataset {
        switch config.dataset {
        case .store(let path):
            return try DatasetStore.load(path: path)
        case .movielens(let path, let format):
            // Same pseudonymisation key as `reclab import`, so predefined split files match users.
            let options = ImportOptions(pseudonymizer: try Pseudonymizer.fromEnvironment())
            let result = try MovieLensImporter.load(path: path, format: format == "auto" ? nil : MovieLensFormat(rawValue: format),
                                                    options: options)
            return Dataset(content: result.content)
        case .synthetic(let path):
            throw RecLabError.usage("generating synthetic data on the fly is not available yet (\(path ?? "inline config"))")
        }
    }
}
