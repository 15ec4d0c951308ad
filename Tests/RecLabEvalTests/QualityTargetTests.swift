import Foundation
import RecLabEval
import RecLabResults
import RecLabStore
import RecLabTestSupport
import RecLabApp
import RecLabCore
import XCTest

/// The quality the strategies issue requires, checked on the real MovieLens data in `../shared/datasets`
/// with the strategies' documented defaults (skipped with a message when the data is absent). The
/// thresholds are the issue's targets, which beat the Python peers measured on the same protocols; the
/// full five-fold figures are in the README and come from the configs in `experiments/`.
final class QualityTargetTests: XCTestCase {
    private func run(_ yaml: String) throws -> OfflineResults {
        let config = try ExperimentConfig.parse(text: yaml, path: nil)
        return try ExperimentRunner.run(config, dataset: try DatasetSources.dataset(for: config, context: RunContext())).document
    }

    private func mean(_ d: OfflineResults, _ strategy: String, _ metric: String) throws -> Double {
        try XCTUnwrap(d.results.first { $0.strategy == strategy && $0.metric == metric && $0.fold == nil },
                      "\(strategy) \(metric)").mean
    }

    /// RMSE of five random folds (the protocol the Python peers were measured on), per strategy.
    private func fiveFoldRMSE(_ dataset: String, strategies: [String]) throws -> OfflineResults {
        let folder = try TestSupport.sharedDataset(dataset).path
        return try run("""
            name: quality-\(dataset)-kfold
            seed: 42
            dataset: {movielens: \(folder)}
            split: {method: kfold, k: 5}
            feedback: explicit
            strategies:
            \(strategies.map { "  - \($0)" }.joined(separator: "\n"))
            metrics: [rmse]
            """)
    }

    /// ML-100K, five random folds (the peers' protocol): biased-mf and als (Spark's rank 50, 10 iterations,
    /// reg 0.1) reach a mean RMSE <= 0.925 (Surprise SVD: 0.9355, Spark MLlib ALS: 0.9194) and beat the
    /// damped-mean baseline. (A single fold is not enough: the official u1 split alone gives about 0.927.)
    func testML100KRatingPredictionReachesTarget() throws {
        let d = try fiveFoldRMSE("ml-100k", strategies: [
            "{name: top-rated, type: top-rated}", "{name: biased-mf, type: biased-mf}",
            "{name: als, type: als, params: {factors: 50, iterations: 10, regularization: 0.1}}",
        ])
        let baseline = try mean(d, "top-rated", "rmse")
        for strategy in ["biased-mf", "als"] {
            let rmse = try mean(d, strategy, "rmse")
            XCTAssertLessThanOrEqual(rmse, 0.925, "\(strategy) mean RMSE over 5 folds")
            XCTAssertLessThan(rmse, baseline, "\(strategy) against top-rated")
        }
    }

    /// ml-latest-small, five random folds: biased-mf and als beat the best Python peer measured on the same
    /// protocol (Surprise BaselineOnly 0.8726; SVD 0.8738, Spark MLlib ALS 0.8770).
    func testMLLatestSmallRatingPredictionBeatsPeers() throws {
        let d = try fiveFoldRMSE("ml-latest-small", strategies: ["{name: biased-mf, type: biased-mf}", "{name: als, type: als}"])
        for strategy in ["biased-mf", "als"] {
            XCTAssertLessThan(try mean(d, strategy, "rmse"), 0.8726, "\(strategy) mean RMSE over 5 folds")
        }
    }

    /// ml-latest-small, each user's latest 20% of ratings to test, relevant = rating >= 4, full ranking
    /// minus training items: EASE >= 0.10 and implicit-als >= 0.085 ndcg@10 (Python peers: EASE 0.101,
    /// implicit's ALS 0.083), and every ranking strategy beats most-popular (0.074).
    func testMLLatestSmallTopNReachesTargets() throws {
        let folder = try TestSupport.sharedDataset("ml-latest-small").path
        let d = try run("""
            name: quality-ml-latest-small-topn
            seed: 42
            dataset: {movielens: \(folder)}
            split: {method: user-temporal, fraction: 0.2}
            relevance: 4.0
            feedback: explicit
            strategies:
              - {name: most-popular, type: most-popular}
              - {name: item-knn, type: item-knn}
              - {name: user-knn, type: user-knn}
              - {name: implicit-als, type: implicit-als}
              - {name: bpr, type: bpr}
              - {name: ease, type: ease}
            metrics: [ndcg@10]
            """)
        XCTAssertEqual(d.excludedUsers, 18, "users without a relevant test item")
        let popular = try mean(d, "most-popular", "ndcg@10")
        for strategy in ["item-knn", "user-knn", "implicit-als", "bpr", "ease"] {
            XCTAssertGreaterThan(try mean(d, strategy, "ndcg@10"), popular, "\(strategy) against most-popular")
        }
        XCTAssertGreaterThanOrEqual(try mean(d, "ease", "ndcg@10"), 0.10)
        XCTAssertGreaterThanOrEqual(try mean(d, "implicit-als", "ndcg@10"), 0.085)
    }
}
