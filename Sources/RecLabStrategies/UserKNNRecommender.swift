import RecLabCore

/// Settings of `user-knn`.
public struct UserKNNConfig: DeclaredParameters, NeighbourhoodConfig {
    public var similarity: SimilarityKind
    public var k: Int
    public var candidates: Int
    public var shrink: Double
    public var minSupport: Int
    public var binarize: Bool
    public var damping: Double

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .choice("similarity", \.similarity, default: .cosine,
                help: "cosine, pearson (user-mean centred, over co-rated items; Herlocker 1999) or adjusted-cosine (item-mean centred)"),
        .int("k", \.k, default: 30, range: SimilarityOptions.neighbourRange, help: "neighbours kept per user"),
        .int("candidates", \.candidates, default: 200, range: SimilarityOptions.neighbourRange,
             help: "similar users stored per user; prediction uses the k most similar of them who rated the item"),
        .double("shrink", \.shrink, default: 10, range: 0...1e9,
                help: "shrinkage: similarity × n/(n + shrink), n = co-rated items; 0 = none"),
        .int("min_support", \.minSupport, default: 1, range: 1...Int(Int32.max),
             help: "minimum number of co-rated items for a similarity to count"),
        .bool("binarize", \.binarize, default: false,
              help: "similarities and scores on 0/1 interactions (true) or on the rating/count values (false; better on ml-latest-small: ndcg@10 0.103 vs 0.092)"),
        .double("damping", \.damping, default: 5, range: 0...1e9, help: "damping of the baseline used to centre rating predictions"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        similarity = v[\.similarity]; k = v[\.k]; candidates = v[\.candidates]; shrink = v[\.shrink]
        minSupport = v[\.minSupport]; binarize = v[\.binarize]; damping = v[\.damping]
    }
}

/// User-based k-nearest-neighbour collaborative filtering (Herlocker, Konstan, Borchers and Riedl,
/// "An algorithmic framework for performing collaborative filtering", SIGIR 1999; Resnick et al. 1994).
///
/// Similarities between users (see `SimilarityKind`: cosine, or Pearson centred on each user's mean as in
/// Herlocker et al.), shrunk by n/(n + shrink) for n co-rated items (Koren 2008; Herlocker et al. used a
/// similar significance weighting n/50), positive only; each user keeps their `k` most similar users.
///
/// - Ranking: score_j = Σ_{v ∈ N_k(u)} s_uv · x_vj (x = 1 for each interaction when `binarize`, else the
///   rating/count): what the user's neighbours liked, weighted by their similarity. Items no neighbour touched
///   go below, by popularity; users without training items get the popularity ranking.
/// - Rating prediction (explicit feedback): r̂_uj = b_uj + Σ_{v ∈ N_k(u; j)} s_uv (r_vj − b_vj) / Σ |s_uv|, with
///   N_k(u; j) the k users most similar to u among those who rated j (searched in u's `candidates` stored neighbours),
///   Herlocker's deviation-from-mean average with the damped baseline b = μ + b_u + b_i as the mean;
///   with no neighbour who rated j it is b_uj.
///
/// Cost: fit O(Σ_i n_i²) time (n_i = users of item i) and O(users · k) memory, parallel over users;
/// ranking O(Σ_{v ∈ N_k(u)} n_v + items) per user; prediction O(candidates · log n_v). The fit cost grows with the square
/// of item popularity, so unlike item-knn it is meant for catalogues with up to about a million ratings.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class UserKNNRecommender: Recommender, @unchecked Sendable {
    public static let typeName = "user-knn"
    public static let summary = "user-based kNN (Herlocker et al. 1999), sparse top-k user similarities"

    public let config: UserKNNConfig
    private var state: NeighbourhoodState

    public init(parameters: Parameters) throws {
        config = try UserKNNConfig(parameters, owner: Self.typeName)
        state = NeighbourhoodState(config: config)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let progress = context.showProgress ? ProgressReporter("user-knn similarities", total: train.userCount) : nil
        state.fit(train, rows: train.byUser, cols: train.byItem, progress: progress)
    }

    /// The `k` neighbours of `user` used for ranking, best first (for inspection and tests).
    public func neighbours(of user: Int) -> [(user: Int, similarity: Float)] {
        state.rankingNeighbours(of: user).map { (user: $0.0, similarity: $0.1) }
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train = state.train else { requireFitted(false, Self.typeName); return }
        let byUser = train.byUser
        if byUser.count(ofRow: user) == 0 { copyScores(state.popularity, into: scores); return }
        for j in 0..<scores.count { scores[j] = 0 }
        let binarize = state.options.binarize
        byUser.columns.withUnsafeBufferPointer { cols in
            byUser.values.withUnsafeBufferPointer { vals in
                for m in state.rankingRange(user) {
                    let v = Int(state.neighbours.items[m]), s = state.neighbours.weights[m]
                    for k in byUser.range(ofRow: v) { scores[Int(cols[k])] += binarize ? s : s * vals[k] }
                }
            }
        }
        fillUnreachedByPopularity(scores, popularity: state.popularity, maxPopularity: state.maxPopularity)
    }

    public var predictsRatings: Bool { state.train?.feedback == .explicit }

    public func predict(user: Int, item: Int) -> Float? {
        guard let train = state.train, let baseline = state.baseline else { return nil }
        let neighbours = state.neighbours
        var num: Float = 0, den: Float = 0, used = 0
        for m in neighbours.range(user) where used < state.options.neighbours {
            let v = Int(neighbours.items[m])
            if let rating = train.byUser.value(row: v, column: Int32(item)) {
                let s = neighbours.weights[m]
                num += s * (rating - baseline.predict(user: v, item: item))
                den += abs(s)
                used += 1
            }
        }
        let base = baseline.predict(user: user, item: item)
        return den > 0 ? base + num / den : base
    }
}
