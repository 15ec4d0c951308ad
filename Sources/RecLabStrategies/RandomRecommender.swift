import RecLabCore

/// Settings of `random`.
public struct RandomConfig: DeclaredParameters {
    /// Nil: the seed the run passes to `fit`.
    public var seed: Int?

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .optionalInt("seed", \.seed, range: Int.min...Int.max, defaultText: "the run's seed",
                     help: "seed of the random scores; defaults to the seed the run passes to fit"),
    ]

    public init(reading v: DeclaredValues<Self>) { seed = v[\.seed] }
}

/// Uniformly random ranking: the floor every strategy must beat. Each user's scores come from their own
/// seeded stream (`SeededRandom(seed:stream: user)`), so a user's ranking does not depend on which other
/// users were scored, in which order, or on how many threads.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class RandomRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "random"
    public static let summary = "uniformly random ranking (seeded per user); the floor to beat"

    public let config: RandomConfig
    private var seed: UInt64 = 0
    private var itemCount = 0
    private var fitted = false

    public init(parameters: Parameters) throws {
        config = try RandomConfig(parameters, owner: Self.typeName)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        seed = config.seed.map { UInt64(truncatingIfNeeded: $0) } ?? context.seed
        itemCount = train.itemCount
        fitted = true
    }

    /// O(items) per user.
    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        requireFitted(fitted, Self.typeName)
        var rng = SeededRandom(seed: seed, stream: UInt64(user))
        for j in 0..<scores.count { scores[j] = rng.nextFloat() }
    }
}
