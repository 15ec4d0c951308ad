import Foundation
import RecLabCore
import RecLabStore

extension ExperimentRunner {
    /// Loads (or imports, or generates) the experiment's dataset in memory.
    public static func loadDataset(_ config: ExperimentConfig) throws -> Dataset {
        switch config.dataset {
        case .store(let path):
            return try DatasetStore.load(path: path)
        case .movielens(let path, _):
            throw RecLabError.usage("importing MovieLens on the fly is not available yet ('\(path)'); import it with 'reclab import' and use 'store:'")
        case .synthetic(let path):
            throw RecLabError.usage("generating synthetic data on the fly is not available yet (\(path ?? "inline config"))")
        }
    }
}
