import Foundation
import RecLabCore
import RecLabSim
import RecLabSynthetic

// A/B simulation throughput: simulated visits per second on the small synthetic world (datasets/small.yaml)
// with three arms (most-popular, item-knn, ease), 14 days and daily retraining of every arm on its own logs;
// the time is split into (re)fitting and the visits themselves (page building, click model, logging).
func benchSimulate() throws {
    guard let (content, dataset, truth) = try benchSmallWorld() else { return }
    let world = GroundTruthBehaviour(truth: truth)
    let arms = [ArmSpec(name: "most-popular", type: "most-popular"), ArmSpec(name: "item-knn", type: "item-knn"),
                ArmSpec(name: "ease", type: "ease", parameters: Parameters(["lambda": .int(200)]))]
    let settings = SimulationSettings(seed: 42, days: 14, preDays: 0, retrainEvery: 1, salt: "bench", arms: arms, keepLog: false)
    print("  small world: \(dataset.userCount) users, \(dataset.itemCount) titles, \(dataset.interactionCount) history events; "
          + "3 arms, 14 days, daily retraining, \(Parallel.workerCount) worker(s)")
    var result: SimulationResult?
    let seconds = try measure {
        result = try ABSimulator(dataset: dataset, content: content, world: world, settings: settings).run()
    }
    guard let r = result else { return }
    let visitSeconds = max(seconds - r.fitSeconds, 1e-9)
    print(String(format: "  %d visits in %.2f s: %.0f visits/s overall; fitting %.2f s (%d fits), visits %.2f s (%.0f visits/s)",
                 r.totalVisits, seconds, Double(r.totalVisits) / seconds, r.fitSeconds, 3 * 14, visitSeconds,
                 Double(r.totalVisits) / visitSeconds))
}

/// The small synthetic world (datasets/small.yaml) with its ground truth, generated in memory; nil (after saying
/// why) when the config is not found from the working directory or the world has no truth. Shared by the
/// simulation benchmarks.
func benchSmallWorld() throws -> (content: DatasetContent, dataset: Dataset, truth: GroundTruth)? {
    let path = "datasets/small.yaml"
    guard FileManager.default.fileExists(atPath: path) else {
        print("  \(path) not found (run from the repository root); skipped")
        return nil
    }
    let config = try SyntheticConfig.load(path: path)
    let content = SyntheticGenerator.generate(config, seed: config.seed)
    let dataset = Dataset(content: content)
    guard let truth = try GroundTruth.load(from: dataset) else { print("  no ground truth in the generated world"); return nil }
    return (content, dataset, truth)
}
