import Foundation
import RecLabCore
import RecLabEval
import RecLabImport
import RecLabStrategies

// Offline evaluation throughput: the runner's full-ranking evaluation (every user with a relevant test
// item, top-100 over the whole catalogue minus training items, all list metrics) on ml-latest-small with
// the per-user temporal split. Target: all users at k = 100 in under 1 s.
func benchEval() throws {
    guard let path = sharedDataset("ml-latest-small") else {
        print("  ml-latest-small not found under ../shared/datasets; skipped")
        return
    }
    let content = try MovieLensImporter.load(path: path, format: nil,
                                             options: ImportOptions(pseudonymizer: Pseudonymizer(key: Pseudonymizer.developmentKey))).content
    let dataset = Dataset(content: content)
    let fold = try SplitSpec(method: .userLastFraction(fraction: 0.2)).folds(of: dataset, seed: 42)[0]
    let metrics = try ["ndcg@[10,100]", "precision@100", "recall@100", "map@100", "mrr@100", "hit@100", "coverage@100",
                       "gini@100", "novelty@100", "diversity@100", "popularity@100"].flatMap { try MetricRegistry.parse($0) }
    let minimal = try MetricRegistry.parse("ndcg@100")
    print("  ml-latest-small, per-user temporal split, k = 100, \(Parallel.workerCount) worker(s)")
    for (type, feedback, params) in [("most-popular", FeedbackKind.implicit, [String: ParamValue]()),
                                     ("ease", .implicit, [:]),
                                     ("als", .explicit, ["factors": .int(50)])] {
        let model = try StrategyRegistry.make(type: type, parameters: Parameters(params))
        let train = TrainingSet(dataset: dataset, rows: fold.train, feedback: feedback)
        let fit = try measure { try model.fit(train, context: FitContext(seed: 42)) }
        // Best of three; the fold's preparation (relevance sets, exclusions) is not timed.
        var users = 0, all = Double.infinity, ndcgOnly = Double.infinity
        for _ in 0..<3 {
            let a = ExperimentRunner.timeRankingEvaluation(model: model, dataset: dataset, fold: fold, relevance: .threshold(4),
                                                           k: 100, metrics: metrics)
            users = a.users; all = min(all, a.seconds)
            ndcgOnly = min(ndcgOnly, ExperimentRunner.timeRankingEvaluation(model: model, dataset: dataset, fold: fold,
                                                                            relevance: .threshold(4), k: 100, metrics: minimal).seconds)
        }
        print(String(format: "  %-13@ fit %6.2fs | evaluate %d users, all 12 metrics: %.3fs (%.0f users/s); ndcg only: %.3fs (%.0f users/s)",
                     type as NSString, fit, users, all, Double(users) / all, ndcgOnly, Double(users) / ndcgOnly))
    }
}
