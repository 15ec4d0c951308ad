import RecLabCore

/// Item-based k-nearest-neighbour collaborative filtering.
///
/// Similarities between items follow Sarwar, Karypis, Konstan and Riedl, "Item-based collaborative filtering
/// recommendation algorithms" (WWW 2001); see `SimilarityKind` for the measures, Koren 2008 for the
/// shrinkage n/(n + shrink). Each item keeps its `k` most similar items (positive similarities only).
///
/// - Ranking (Deshpande and Karypis, "Item-based top-N recommendation algorithms", TOIS 2004): the score of
///   item j for user u is Σ_{i ∈ I_u, j ∈ N_k(i)} s_ij, the summed similarity of j to the user's training
///   items whose neighbourhoods contain it. Items no neighbourhood reaches rank below all reached ones,
///   by popularity; users without training items get the popularity ranking.
/// - Rating prediction (explicit feedback): r̂_uj = b_uj + Σ_{i ∈ N_k(j; u)} s_ij (r_ui − b_ui) / Σ |s_ij|, where
///   N_k(j; u) are the k items most similar to j among those u rated (searched in j's `candidates` stored
///   neighbours): the weighted average of the user's ratings of j's neighbours, centred on the damped baseline
///   b_ui = μ + b_u + b_i (Koren 2008/2010). With no rated neighbour it falls back to b_uj.
///
/// Cost: fit O(Σ_u n_u²) time, O(items · candidates) memory (parallel over items); ranking O(n_u · k + items)
/// per user; prediction O(candidates · log n_u).
public final class ItemKNNRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "item-knn"
    public static let summary = "item-based kNN (Sarwar et al. 2001; top-N as Deshpande & Karypis 2004), sparse top-k similarities"
    public static let parameterDocs: [ParameterDoc] = [
        ParameterDoc("similarity", "cosine", "cosine, adjusted-cosine (user-mean centred, Sarwar 2001) or pearson (item-mean centred, over co-raters)"),
        ParameterDoc("k", "20", "neighbours kept per item"),
        ParameterDoc("candidates", "200", "similar items stored per item; prediction uses the k most similar of them that the user rated"),
        ParameterDoc("shrink", "10", "shrinkage: similarity × n/(n + shrink), n = co-rating users (Koren 2008); 0 = none"),
        ParameterDoc("min_support", "1", "minimum number of co-rating users for a similarity to count"),
        ParameterDoc("binarize", "true", "cosine on 0/1 interactions (true) or on the rating/count values (false)"),
        ParameterDoc("damping", "5", "damping of the baseline used to centre rating predictions"),
    ]

    private let options: SimilarityOptions
    private let damping: Float
    private var neighbours = NeighbourLists(start: [0], items: [], weights: [])
    private var train: TrainingSet?
    private var popularity: [Float] = []
    private var maxPopularity: Float = 0
    private var baseline: BaselinePredictor?

    public init(parameters: Parameters) throws {
        try parameters.rejectUnknown(allowed: ["similarity", "k", "candidates", "shrink", "min_support", "binarize", "damping"],
                                     owner: Self.typeName)
        options = try parameters.similarityOptions(defaultK: 20, defaultShrink: 10)
        damping = Float(try parameters.double("damping", default: 5, range: 0...1e9))
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let progress = context.showProgress ? ProgressReporter("item-knn similarities", total: train.itemCount) : nil
        neighbours = SparseSimilarity.neighbours(rows: train.byItem, cols: train.byUser, options: options, progress: progress)
        popularity = itemInteractionCounts(train)
        maxPopularity = popularity.max() ?? 0
        baseline = train.feedback == .explicit ? BaselinePredictor(train: train, itemDamping: damping, userDamping: damping) : nil
        self.train = train
    }

    /// The `k` neighbours of `item` used for ranking, best first (for inspection and tests).
    public func neighbours(of item: Int) -> [(item: Int, similarity: Float)] {
        rankingRange(item).map { (Int(neighbours.items[$0]), neighbours.weights[$0]) }
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        let r = train.byUser.range(ofRow: user)
        if r.isEmpty { copyScores(popularity, into: scores); return }
        for j in 0..<scores.count { scores[j] = 0 }
        neighbours.items.withUnsafeBufferPointer { nItems in
            neighbours.weights.withUnsafeBufferPointer { nWeights in
                for k in r {
                    let i = Int(train.byUser.columns[k])
                    for m in rankingRange(i) { scores[Int(nItems[m])] += nWeights[m] }
                }
            }
        }
        fillUnreachedByPopularity(scores, popularity: popularity, maxPopularity: maxPopularity)
    }

    /// The first k of the stored neighbours.
    @inline(__always) private func rankingRange(_ i: Int) -> Range<Int> {
        let r = neighbours.range(i)
        return r.lowerBound..<min(r.upperBound, r.lowerBound + options.neighbours)
    }

    public var predictsRatings: Bool { train?.feedback == .explicit }

    public func predict(user: Int, item: Int) -> Float? {
        guard let train, let baseline else { return nil }
        let row = train.byUser
        var num: Float = 0, den: Float = 0, used = 0
        for m in neighbours.range(item) where used < options.neighbours {
            let i = neighbours.items[m]
            if let rating = row.value(row: user, column: i) {
                let s = neighbours.weights[m]
                num += s * (rating - baseline.predict(user: user, item: Int(i)))
                den += abs(s)
                used += 1
            }
        }
        let base = baseline.predict(user: user, item: item)
        return den > 0 ? base + num / den : base
    }
}
