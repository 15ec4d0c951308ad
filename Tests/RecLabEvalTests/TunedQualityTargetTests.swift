import Foundation
import RecLabApp
import RecLabCore
import RecLabEval
import RecLabResults
import RecLabTestSupport
import XCTest

/// The quality targets after tuning on validation data, on the real MovieLens data in
/// `../shared/datasets` (skipped with a message when absent). To keep CI time modest each test runs a small
/// seeded search known to reach its target; the full tuned comparison of every strategy, with the same budget
/// for each, is the `reclab-bench tune` benchmark (figures in docs/benchmarks.md).
final class TunedQualityTargetTests: XCTestCase {
    private func tune(_ yaml: String) throws -> OfflineResults {
        let config = try ExperimentConfig.parse(text: yaml, path: nil)
        return try Tuner.run(config, dataset: try DatasetSources.dataset(for: config, context: RunContext()), context: RunContext()).document
    }

    private func mean(_ d: OfflineResults, _ strategy: String, _ metric: String) throws -> Double {
        try XCTUnwrap(d.results.first { $0.strategy == strategy && $0.metric == metric && $0.fold == nil }, "\(strategy) \(metric)").mean
    }

    /// ml-latest-small, per-user temporal 20%, relevant = rating >= 4: EASE tuned on validation data (each user's
    /// latest 20% of training ratings) reaches ndcg@10 >= 0.110 on the test part (untuned best: 0.104; best
    /// Python peer on this protocol: EASE 0.101). Learning from the rating values is what the search finds.
    func testTunedEASEReachesNDCGTargetOnMLLatestSmall() throws {
        let folder = try TestSupport.sharedDataset("ml-latest-small").path
        let d = try tune("""
            name: tuned-quality-topn
            seed: 42
            dataset: {movielens: \(folder)}
            split: {method: user-temporal, fraction: 0.2}
            relevance: 4.0
            feedback: explicit
            tune: {metric: ndcg@10, method: grid}
            strategies:
              - {name: ease, type: ease, search: {lambda: [500, 1000], binarize: [false]}}
            metrics: [ndcg@10]
            """)
        let tuning = try XCTUnwrap(d.tuning)
        XCTAssertEqual(tuning.strategies[0].trials.count, 2)
        XCTAssertTrue(tuning.strategies[0].trials.allSatisfy { $0.score.isFinite })
        let ndcg = try mean(d, "ease", "ndcg@10")
        XCTAssertGreaterThanOrEqual(ndcg, 0.110, "tuned EASE ndcg@10 on the test part")
    }
}
