import Foundation
import RecLabCore
import RecLabSynthetic

/// The synthetic ground truth as the simulator's user model. Simulated day 0 is the day after the world's
/// logged history (`GroundTruth.dayCount`), so release dates and novelty continue where the data stops.
public struct GroundTruthBehaviour: UserBehaviour {
    public let truth: GroundTruth
    public let firstDay: Int

    public init(truth: GroundTruth) {
        self.truth = truth
        firstDay = truth.dayCount
    }

    public var userCount: Int { truth.userCount }
    public var itemCount: Int { truth.itemCount }
    public func visitProbability(user: Int, day: Int) -> Double { Double(truth.visitProbability(user: user)) }
    public func playProbability(user: Int, item: Int, day: Int) -> Double {
        Double(truth.playProbability(user: user, item: item, day: firstDay + day))
    }
    public func affinity(user: Int, item: Int) -> Double { Double(truth.affinity(user: user, item: item)) }
    public func sampleWatch(user: Int, item: Int, rng: inout SeededRandom) -> (minutes: Double, completion: Double) {
        let w = truth.sampleWatch(user: user, item: item, rng: &rng)
        return (Double(w.seconds) / 60, Double(w.completion))
    }
    public func sampleRating(user: Int, item: Int, completion: Double, rng: inout SeededRandom) -> Double? {
        truth.sampleRating(user: user, item: item, rng: &rng).map(Double.init)
    }
    public func isAvailable(item: Int, day: Int) -> Bool { truth.isReleased(item: item, day: firstDay + day) }
    public var dynamics: UserDynamics { truth.dynamics }
    public func initialSatisfaction(user: Int) -> Double { truth.initialSatisfaction(user: user) }
    public func churnedAtStart(user: Int) -> Bool { truth.hasChurned(user: user) }
}

/// The world a loaded dataset is simulated in (the data is resolved by the application layer).
public enum SimWorlds {
    /// The dataset's own ground truth (synthetic data, or a world fitted before), else a semi-synthetic one
    /// fitted now with `worldSeed`.
    public static func world(dataset: Dataset, content: DatasetContent, worldSeed: UInt64, context: RunContext) throws -> LoadedWorld {
        if let truth = try GroundTruth.load(from: dataset) {
            let kind = truth.origin == .synthetic ? "synthetic" : "semi-synthetic"
            return LoadedWorld(dataset: dataset, content: content, behaviour: GroundTruthBehaviour(truth: truth), kind: kind)
        }
        return try semiSynthetic(dataset: dataset, content: content, seed: worldSeed, context: context)
    }

    /// Imported data has no ground truth: fit one once on the full data (factors from the real ratings,
    /// behaviour parameters assumed) and simulate in it, stated as "semi-synthetic" in the outputs.
    static func semiSynthetic(dataset: Dataset, content: DatasetContent, seed: UInt64, context: RunContext) throws -> LoadedWorld {
        guard dataset.interactionCount > 0 else { throw RecLabError.data("dataset '\(dataset.name)' has no interactions to fit a world to") }
        context.log.info("[world] '\(dataset.name)' has no ground truth: fitting a semi-synthetic one (seed \(seed))")
        let truth = context.bound { GroundTruth.fit(to: dataset, seed: seed) }
        return LoadedWorld(dataset: dataset, content: content, behaviour: GroundTruthBehaviour(truth: truth), kind: "semi-synthetic")
    }
}
