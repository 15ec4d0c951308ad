import RecLabCore

/// Uniformly random ranking: the floor every strategy must beat. Each user's scores come from their own
/// seeded stream (`SeededRandom(seed:stream: user)`), so a user's ranking does not depend on which other
/// users were scored, in which order, or on how many threads.
public final class RandomRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "random"
    public static let summary = "uniformly random ranking (seeded per user); the floor to beat"
    public static let parameterDocs: [ParameterDoc] = [
        ParameterDoc("seed", "experiment seed", "seed of the random scores; defaults to the seed the run passes to fit"),
    ]

    private let fixedSeed: UInt64?
    private var seed: UInt64 = 0
    private var itemCount = 0
    private var fitted = false

    public init(parameters: Parameters) throws {
        try parameters.rejectUnknown(allowed: ["seed"], owner: Self.typeName)
        if parameters.values["seed"] != nil {
            fixedSeed = UInt64(truncatingIfNeeded: try parameters.int("seed", default: 0))
        } else {
            fixedSeed = nil
        }
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        seed = fixedSeed ?? context.seed
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
