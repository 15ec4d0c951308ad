import Foundation
import RecLabCore
import RecLabSim
import RecLabSynthetic

// Long-term simulation with the truth (issue 10): simulated user-days per second for a 90-day, 3-arm A/B test
// with `truth: true` (the experiment plus one world per arm: four simulations) on the small world with its user
// dynamics (datasets/small.yaml), weekly retraining, 7 pre-period days. Target: the whole run under 60 s.
func benchLongTerm() throws {
    guard let (content, dataset, truth) = try benchSmallWorld() else { return }
    let world = LoadedWorld(dataset: dataset, content: content, behaviour: GroundTruthBehaviour(truth: truth), kind: "synthetic")
    let arms = [ArmSpec(name: "most-popular", type: "most-popular", epsilon: 0.05), ArmSpec(name: "item-knn", type: "item-knn"),
                ArmSpec(name: "ease", type: "ease", parameters: Parameters(["lambda": .int(200)]))]
    let days = 90, preDays = 7
    var settings = SimulationSettings(seed: 42, days: days, preDays: preDays, retrainEvery: 7, salt: "bench-longterm", arms: arms, keepLog: false)
    settings.longTerm = true; settings.featuredLog = true
    print("  small world: \(dataset.userCount) users, \(dataset.itemCount) titles, dynamics \(truth.dynamics.isOn ? "on" : "off"); "
          + "3 arms, \(preDays)+\(days) days, weekly retraining, truth worlds, \(Parallel.workerCount) worker(s)")
    var visits = 0, fit = 0.0, flips = 0
    var abSeconds = 0.0
    let seconds = try measure {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let ab = try ABSimulator(dataset: dataset, content: content, world: world.behaviour, settings: settings).run()
        abSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let analysis = ABAnalysis.analyse(ab, settings: settings, analysis: AnalysisSettings())
        let lt = LongTermAnalysis.analyse(ab, settings: settings, alpha: 0.05, assumptions: truth.dynamics.assumptions)
        let worlds = try TruthWorlds.simulate(settings: settings, world: world)
        let out = TruthWorlds.analyse(ab: ab, comparisons: analysis.comparisons, longTerm: lt, worlds: worlds, settings: settings,
                                      alpha: 0.05, seed: 42)
        visits = ab.totalVisits + worlds.reduce(0) { $0 + $1.totalVisits }
        fit = ab.fitSeconds + worlds.reduce(0) { $0 + $1.fitSeconds }
        flips = out.longTerm?.flips.count ?? 0
    }
    let userDays = Double(dataset.userCount * (days + preDays) * (1 + arms.count))
    print(String(format: "  whole run %.1f s (A/B world %.1f s, 3 truth worlds %.1f s): %.0f simulated user-days/s, %d visits (%.0f visits/s), fitting %.1f s; %d flip rows",
                 seconds, abSeconds, seconds - abSeconds, userDays / seconds, visits, Double(visits) / seconds, fit, flips))
}
