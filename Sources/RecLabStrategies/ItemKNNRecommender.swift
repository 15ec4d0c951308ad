import RecLabCore

/// Settings of `item-knn`.
public struct ItemKNNConfig: DeclaredParameters, NeighbourhoodConfig {
    public var similarity: SimilarityKind
    public var k: Int
    public var candidates: Int
    public var shrink: Double
    public var minSupport: Int
    public var binarize: Bool
    public var damping: Double

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .choice("similarity", \.similarity, default: .cosine,
                help: "cosine, adjusted-cosine (user-mean centred, Sarwar 2001) or pearson (item-mean centred, over co-raters)"),
        .int("k", \.k, default: 20, range: SimilarityOptions.neighbourRange, help: "neighbours kept per item"),
        .int("candidates", \.candidates, default: 200, range: SimilarityOptions.neighbourRange,
             help: "similar items stored per item; prediction uses the k most similar of them that the user rated"),
        .double("shrink", \.shrink, default: 10, range: 0...1e9,
                help: "shrinkage: similarity × n/(n + shrink), n = co-rating users (Koren 2008); 0 = none"),
        .int("min_support", \.minSupport, default: 1, range: 1...Int(Int32.max),
             help: "minimum number of co-rating users for a similarity to count"),
        .bool("binarize", \.binarize, default: true, help: "cosine on 0/1 interactions (true) or on the rating/count values (false)"),
        .double("damping", \.damping, default: 5, range: 0...1e9, help: "damping of the baseline used to centre rating predictions"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        similarity = v[\.similarity]; k = v[\.k]; candidates = v[\.candidates]; shrink = v[\.shrink]
        minSupport = v[\.minSupport]; binarize = v[\.binarize]; damping = v[\.damping]
    }
}

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
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class ItemKNNRecommender: FoldInRecommender, @unchecked Sendable {
    public static let typeName = "item-knn"
    public static let summary = "item-based kNN (Sarwar et al. 2001; top-N as Deshpande & Karypis 2004), sparse top-k similarities"

    public let config: ItemKNNConfig
    private var state: NeighbourhoodState

    public init(parameters: Parameters) throws {
        config = try ItemKNNConfig(parameters, owner: Self.typeName)
        state = NeighbourhoodState(config: config)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let progress = context.showProgress ? ProgressReporter("item-knn similarities", total: train.itemCount) : nil
        state.fit(train, rows: train.byItem, cols: train.byUser, progress: progress)
    }

    /// Fold-in: a held-out user's scores sum the fitted item neighbourhoods over their fold-in items.
    public func foldIn(_ history: TrainingSet) throws {
        guard state.train != nil else { requireFitted(false, Self.typeName); return }
        state.train = history
    }

    /// The `k` neighbours of `item` used for ranking, best first (for inspection and tests).
    public func neighbours(of item: Int) -> [(item: Int, similarity: Float)] {
        state.rankingNeighbours(of: item).map { (item: $0.0, similarity: $0.1) }
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train = state.train else { requireFitted(false, Self.typeName); return }
        let r = train.byUser.range(ofRow: user)
        if r.isEmpty { copyScores(state.popularity, into: scores); return }
        for j in 0..<scores.count { scores[j] = 0 }
        state.neighbours.items.withUnsafeBufferPointer { nItems in
            state.neighbours.weights.withUnsafeBufferPointer { nWeights in
                for k in r {
                    let i = Int(train.byUser.columns[k])
                    for m in state.rankingRange(i) { scores[Int(nItems[m])] += nWeights[m] }
                }
            }
        }
        fillUnreachedByPopularity(scores, popularity: state.popularity, maxPopularity: state.maxPopularity)
    }

    public var predictsRatings: Bool { state.train?.feedback == .explicit }

    public func predict(user: Int, item: Int) -> Float? {
        guard let train = state.train, let baseline = state.baseline else { return nil }
        let row = train.byUser
        let neighbours = state.neighbours
        var num: Float = 0, den: Float = 0, used = 0
        for m in neighbours.range(item) where used < state.options.neighbours {
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
