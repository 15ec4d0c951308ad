import Foundation
import RecLabApp
import RecLabCore
import RecLabSim

/// `reclab validate truth`: coverage of the A/B intervals around the true effect, per training-data mode.
enum ValidateTruth {
    static func run(configPath: String, seeds: Int, retrain: Bool, context: RunContext) throws {
        let (ab, _) = try ABConfig.load(path: configPath)
        let world = try DatasetSources.world(ab.dataset, context: context)
        // Without retraining both modes are the same experiment: run one.
        let scopes: [TrainingScope] = retrain ? [.arm, .shared] : [ab.simulation.trainingScope]
        print("Truth validation '\(ab.name)' (\(world.kind) world): \(seeds) seeds, \(ab.simulation.days) days, \(ab.simulation.arms.count) arms, "
              + (retrain ? "retraining every \(ab.simulation.retrainEvery) days" : "no retraining (no interference)")
              + ", dynamics \(world.behaviour.dynamics.isOn ? "on" : "off")")
        for scope in scopes {
            let progress = context.showsProgress ? context.progress("validate truth (\(scope.rawValue))", total: seeds) : nil
            let r = try Validation.truth(config: ab, world: world, seeds: seeds, scope: scope, retrain: retrain, progress: progress)
            print("\ntraining_data: \(scope.rawValue)")
            print("  metric                     arm              coverage of 95% CI     mean bias     mean |bias|   mean |true effect|")
            for key in r.keys {
                let parts = key.split(separator: "|").map(String.init)
                let n = r.covered[key, default: 0], trials = r.trials[key, default: 0]
                guard trials > 0 else {
                    print("  " + parts[0].padding(toLength: 26, withPad: " ", startingAt: 0) + " " + parts[1].padding(toLength: 16, withPad: " ", startingAt: 0) + " no variance in any seed (nothing moves it here)")
                    continue
                }
                print("  " + parts[0].padding(toLength: 26, withPad: " ", startingAt: 0) + " " + parts[1].padding(toLength: 16, withPad: " ", startingAt: 0)
                      + String(format: " %4d/%-4d (%5.1f%%)   %+.5g   %.5g   %.5g", n, trials, 100 * Double(n) / Double(trials),
                               r.bias[key, default: 0], r.absBias[key, default: 0], r.absTrue[key, default: 0]))
            }
            print(String(format: "  all metrics and arms: %d/%d covered (%.1f%%)", r.totalCovered, r.total,
                         100 * Double(r.totalCovered) / Double(max(r.total, 1))))
        }
    }
}
