import RecLabCore

/// Settings of `top-rated`.
public struct TopRatedConfig: DeclaredParameters {
    public var damping: Double

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .double("damping", \.damping, default: 5, range: 0...1e9,
                help: "pseudo-count m pulling means of rarely rated items (and users) toward the global mean (>= 0)"),
    ]

    public init(reading v: DeclaredValues<Self>) { damping = v[\.damping] }
}

/// Highest damped mean rating first. The item score is the Bayesian (damped) mean
/// (Σ_u r_ui + m·μ) / (n_i + m), which shrinks items with few ratings toward the global mean μ
/// (the "damped mean" of Funk 2006 and LensKit's `Bias` model; Koren 2010 §2.1 for the bias form).
///
/// It also predicts ratings with the damped baseline μ + b_i + b_u (Koren, "Factor in the neighbors",
/// TKDD 2010), using the same damping for items and users. With implicit feedback the values are counts,
/// so the "rating" is the mean count and the strategy ranks by damped mean engagement.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class TopRatedRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "top-rated"
    public static let summary = "ranks by damped mean rating (sum + m·global)/(n + m); predicts μ + b_i + b_u (Koren 2010)"

    public let config: TopRatedConfig
    private var damping: Float { Float(config.damping) }
    private var itemScores: [Float] = []
    private var baseline: BaselinePredictor?

    public init(parameters: Parameters) throws {
        config = try TopRatedConfig(parameters, owner: Self.typeName)
    }

    /// O(nnz + items + users).
    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let mu = train.globalMean
        let byItem = train.byItem
        itemScores = (0..<train.itemCount).map { i in
            let r = byItem.range(ofRow: i)
            var sum: Float = 0
            for k in r { sum += byItem.values[k] }
            let n = Float(r.count) + damping
            // An item nobody rated, with no damping, gets the global mean rather than 0/0.
            return n > 0 ? (sum + damping * mu) / n : mu
        }
        baseline = BaselinePredictor(train: train, itemDamping: damping, userDamping: damping)
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        requireFitted(baseline != nil, Self.typeName)
        copyScores(itemScores, into: scores)
    }

    public var predictsRatings: Bool { true }

    public func predict(user: Int, item: Int) -> Float? {
        baseline?.predict(user: user, item: item)
    }
}
