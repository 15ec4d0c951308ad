import RecLabCore
import RecLabStrategies
import RecLabSynthetic

/// What the simulator needs from a world: how often users come, how likely they are to play a title
/// they look at, how long they watch, whether they rate. Indices are the dataset's dense user and item
/// indices. The synthetic ground truth (`RecLabSynthetic.GroundTruth`) is adapted to it; tests use toy worlds.
///
/// Implementations must be pure functions of their arguments (all randomness through the passed `rng`),
/// so the simulation stays deterministic and a user's outcome never depends on which arm served someone else.
public protocol UserBehaviour: Sendable {
    var userCount: Int { get }
    var itemCount: Int { get }
    /// Probability that `user` visits the platform on simulated `day` (0-based from the start of the simulation).
    func visitProbability(user: Int, day: Int) -> Double
    /// Probability that `user` starts `item` once they have examined its tile on `day`.
    func playProbability(user: Int, item: Int, day: Int) -> Double
    /// True affinity, higher is better (what an oracle ranks by).
    func affinity(user: Int, item: Int) -> Double
    /// Minutes watched and the watched fraction (0...1) of a play.
    func sampleWatch(user: Int, item: Int, rng: inout SeededRandom) -> (minutes: Double, completion: Double)
    /// The rating (0.5...5) the user leaves after watching, or nil when they do not rate.
    func sampleRating(user: Int, item: Int, completion: Double, rng: inout SeededRandom) -> Double?
    /// False for titles not yet released on `day` (never shown).
    func isAvailable(item: Int, day: Int) -> Bool
    /// How users change with what they see (`UserDynamics`; `.off` = static users).
    var dynamics: UserDynamics { get }
    /// Satisfaction of `user` when the simulation starts (where the world's history left it).
    func initialSatisfaction(user: Int) -> Double
    /// True when `user` churned before the simulation starts (they never visit).
    func churnedAtStart(user: Int) -> Bool
}

extension UserBehaviour {
    public func isAvailable(item: Int, day: Int) -> Bool { true }
    public var dynamics: UserDynamics { .off }
    public func initialSatisfaction(user: Int) -> Double { 0 }
    public func churnedAtStart(user: Int) -> Bool { false }
}

/// Ranks by the world's true affinity: the best any learned strategy could do. Used for planted-effect
/// checks ("an arm with a clearly better strategy is detected") and as an OPE target.
public final class OracleRecommender: Recommender {
    public static let typeName = "oracle"
    public static let summary = "ranks by the simulated world's true affinity (simulation only)"

    private let world: (any UserBehaviour)?

    public init(parameters: Parameters) throws {
        try parameters.rejectUnknown(allowed: [], owner: "oracle")
        world = nil
    }

    public init(world: any UserBehaviour) { self.world = world }

    public func fit(_ train: TrainingSet, context: FitContext) throws {}

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let world else { for i in scores.indices { scores[i] = 0 }; return }
        for i in scores.indices { scores[i] = Float(world.affinity(user: user, item: i)) }
    }
}
