import Foundation
import RecLabCore
import RecLabEval
import RecLabImport
import RecLabStrategies

// The tuned comparison (docs/tuning.md): every ranking strategy registered in StrategyRegistry, each with its
// default search space (`search: auto`) and the same budget, tuned on validation data of ml-latest-small's
// per-user temporal split (relevance >= 4) and tested once. Target: under 10 minutes in a release build.
// Strategies added to the registry join automatically. Also ML-100K, 5 random folds: the tuned rating predictors
// of experiments/ml-100k-tuned.yaml (target: best RMSE <= 0.905).
func benchTune() throws {
    guard let path = sharedDataset("ml-latest-small") else {
        print("  ml-latest-small not found under ../shared/datasets; skipped")
        return
    }
    let trials = Int(ProcessInfo.processInfo.environment["RECLAB_BENCH_TUNE_TRIALS"] ?? "") ?? 16
    let strategies = StrategyRegistry.typeNames.map { "  - {name: \($0), type: \($0)\(TuningPlan.autoSpace(for: $0).isEmpty ? "" : ", search: auto")}" }
    let text = """
        name: bench-tuned-ml-latest-small
        seed: 42
        dataset: {movielens: \(path)}
        split: {method: user-temporal, fraction: 0.2}
        relevance: 4.0
        feedback: explicit
        tune: {metric: ndcg@10, method: random, trials: \(trials), patience: 3}
        strategies:
        \(strategies.joined(separator: "\n"))
        metrics: [ndcg@10, recall@10]
        """
    let config = try ExperimentConfig.parse(text: text, path: nil)
    let content = try MovieLensImporter.load(path: path, format: nil,
                                             options: ImportOptions(pseudonymizer: Pseudonymizer(key: Pseudonymizer.developmentKey))).content
    let dataset = Dataset(content: content)
    var output: ExperimentOutput?
    let seconds = try measure { output = try Tuner.run(config, dataset: dataset, context: context) }
    guard let d = output?.document, let tuning = d.tuning else { return }
    print(String(format: "  ml-latest-small, per-user temporal 20%%, %d random trials per strategy, %d worker(s): %.1fs in all",
                 trials, context.threads, seconds))
    for s in tuning.strategies {
        let test = d.results.first { $0.strategy == s.strategy && $0.metric == "ndcg@10" && $0.fold == nil }?.mean ?? .nan
        let validation = s.trials.first { $0.id == s.selectedTrial }?.score ?? .nan
        let selected = s.selected.keys.sorted().map { "\($0)=\(s.selected[$0]!)" }.joined(separator: ",")
        print(String(format: "  %-13@ %2d trials %6.1fs  validation ndcg@10 %.4f  test ndcg@10 %.4f  %@", s.strategy as NSString,
                     s.trials.count, s.seconds, validation, test, selected as NSString))
    }

    guard let ml100k = sharedDataset("ml-100k") else { print("  ml-100k not found; rating part skipped"); return }
    // The rating part is the shipped experiments/ml-100k-tuned.yaml (16 trials each), the file
    // TunedRatingTargetCLITests runs, with its dataset path resolved from here.
    guard let shipped = try? String(contentsOfFile: "experiments/ml-100k-tuned.yaml", encoding: .utf8) else {
        print("  experiments/ml-100k-tuned.yaml not found (run from the repository root); rating part skipped"); return
    }
    let rating = try ExperimentConfig.parse(text: shipped.replacingOccurrences(of: "../shared/datasets/ml-100k", with: ml100k),
                                            path: "experiments/ml-100k-tuned.yaml")
    let ratingContent = try MovieLensImporter.load(path: ml100k, format: nil,
                                                   options: ImportOptions(pseudonymizer: Pseudonymizer(key: Pseudonymizer.developmentKey))).content
    var ratingOutput: ExperimentOutput?
    let ratingSeconds = try measure { ratingOutput = try Tuner.run(rating, dataset: Dataset(content: ratingContent), context: context) }
    guard let r = ratingOutput?.document, let rt = r.tuning else { return }
    print(String(format: "  ml-100k (experiments/ml-100k-tuned.yaml), 5 random folds, %d random trials per strategy: %.1fs",
                 rating.tuning?.trials ?? 0, ratingSeconds))
    for s in rt.strategies {
        let test = r.results.first { $0.strategy == s.strategy && $0.metric == "rmse" && $0.fold == nil }?.mean ?? .nan
        let selected = s.selected.keys.sorted().map { "\($0)=\(s.selected[$0]!)" }.joined(separator: ",")
        print(String(format: "  %-13@ test rmse %.4f  %@", s.strategy as NSString, test, selected as NSString))
    }
}
