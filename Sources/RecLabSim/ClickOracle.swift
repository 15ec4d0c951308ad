import RecLabCore
import RecLabStrategies

/// Ranks by the world's play probability on the first simulated day: the short-term, click-optimal oracle. Where
/// the world's play model rewards popularity and release novelty (bait) more than completion does, it wins on CTR
/// while its plays are finished less often, so users it serves grow less satisfied: the planted short-term versus
/// long-term reversal of `experiments/ab-reversal.yaml` (simulation only; compare `oracle`, which ranks by true
/// affinity, what completion and satisfaction follow).
public final class ClickOracleRecommender: Recommender {
    public static let typeName = "oracle-click"
    public static let summary = "ranks by the simulated world's play probability: the short-term, click-optimal oracle (simulation only)"

    private let world: (any UserBehaviour)?

    public init(parameters: Parameters) throws {
        try parameters.rejectUnknown(allowed: [], owner: Self.typeName)
        world = nil
    }

    public init(world: any UserBehaviour) { self.world = world }

    public func fit(_ train: TrainingSet, context: FitContext) throws {}

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let world else { for i in scores.indices { scores[i] = 0 }; return }
        for i in scores.indices { scores[i] = Float(world.playProbability(user: user, item: i, day: 0)) }
    }
}

extension ClickOracleRecommender {
    /// `oracle-click` as a world strategy type (registered by the application layer).
    public static let worldType = WorldStrategyType(name: typeName, summary: summary) { _, world in
        ClickOracleRecommender(world: world)
    }
}
