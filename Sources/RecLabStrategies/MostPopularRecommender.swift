import RecLabCore

/// Most popular items first: score = number of training interactions (distinct users) with the item.
/// The non-personalised baseline of top-N evaluation (Cremonesi, Koren and Turrin, "Performance of
/// recommender algorithms on top-N recommendation tasks", RecSys 2010). Ties break toward the lower item index.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class MostPopularRecommender: FoldInRecommender, @unchecked Sendable {
    public static let typeName = "most-popular"
    public static let summary = "ranks items by training interaction count (Cremonesi et al. 2010 baseline)"

    private var popularity: [Float] = []
    private var fitted = false

    public init(parameters: Parameters) throws {
        _ = try NoParameters(parameters, owner: Self.typeName)
    }

    /// O(items).
    public func fit(_ train: TrainingSet, context: FitContext) throws {
        popularity = itemInteractionCounts(train)
        fitted = true
    }

    /// Fold-in: popularity is not personal; the fitted counts stay (the fold-in items are excluded when ranking).
    public func foldIn(_ history: TrainingSet) throws { requireFitted(fitted, Self.typeName) }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        requireFitted(fitted, Self.typeName)
        copyScores(popularity, into: scores)
    }
}
