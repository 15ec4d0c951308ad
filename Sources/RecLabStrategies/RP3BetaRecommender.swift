import Foundation
import RecLabCore

/// Settings of `rp3beta`.
public struct RP3BetaConfig: DeclaredParameters {
    public var alpha: Double
    public var beta: Double
    public var k: Int
    public var binarize: Bool

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .double("alpha", \.alpha, default: 1, range: 0...10,
                help: "exponent applied to every transition probability (1: the plain three-step random walk P3)"),
        .double("beta", \.beta, default: 0.2, range: 0...10,
                help: "popularity penalty: the walk's probability of reaching item j is divided by deg(j)^beta (0: P3alpha)"),
        .int("k", \.k, default: 200, range: SimilarityOptions.neighbourRange, help: "neighbours kept per item (top-k of each row of W)"),
        .bool("binarize", \.binarize, default: true,
              help: "walk the 0/1 interaction graph (true, as in the paper) or weight edges by the rating/count values"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        alpha = v[\.alpha]; beta = v[\.beta]; k = v[\.k]; binarize = v[\.binarize]
    }
}

/// RP3beta, the popularity-reranked three-step random walk of Paudel, Christoffel, Mendez and Bernstein,
/// "Updatable, Accurate, Diverse, and Scalable Recommendations for Interactive Applications" (ACM TiiS 7(1),
/// 2017), one of the strongest simple baselines in Dacrema, Cremonesi and Jannach (RecSys 2019).
///
/// On the bipartite user–item graph with edge weights x_ui (1 when `binarize`), the transition probabilities
/// are P(u→i) = x_ui / d_u and P(i→u) = x_ui / d_i, where d_u = Σ_i x_ui and d_i = Σ_u x_ui are the degrees.
/// The item–item model is the two-step walk from item i back to items, each probability raised to `alpha`
/// and divided by the target's degree to the power `beta`:
///
///     W_ij = Σ_u P(i→u)^alpha · P(u→j)^alpha / d_j^beta,
///
/// and each row of W keeps its `k` largest entries (the item itself excluded: it is never recommended to a
/// user who has it). A user's score for item j is Σ_{i ∈ I_u} x_ui · W_ij (the third step of the walk, from
/// the user to their items; the factor 1/d_u^alpha of P(u→i)^alpha is the same for all of a user's items and
/// does not change the ranking). `alpha` = 1 and `beta` = 0 give P3, the plain random walk of Cooper et al.
/// (WWW 2014). Items no kept neighbourhood reaches rank below reached ones, by popularity; users without
/// history get the popularity ranking.
///
/// Only `fit` looks at users' model parameters: the model is item–item, so it scores any user from their
/// history alone (fold-in, strong generalisation). Cost: fit O(Σ_u n_u²) time, parallel over items,
/// O(items · k) memory; ranking O(n_u · k + items) per user.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class RP3BetaRecommender: FoldInRecommender, @unchecked Sendable {
    public static let typeName = "rp3beta"
    public static let summary = "RP3beta random walk item-item model with popularity penalty (Paudel et al. 2017)"

    public let config: RP3BetaConfig
    var train: TrainingSet?
    private var neighbours = NeighbourLists(start: [0], items: [], weights: [])
    private var popularity: [Float] = []
    private var maxPopularity: Float = 0

    public init(parameters: Parameters) throws {
        config = try RP3BetaConfig(parameters, owner: Self.typeName)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let byUser = train.byUser, byItem = train.byItem
        let binarize = config.binarize
        let alpha = Float(config.alpha), beta = Float(config.beta)
        if !binarize, let bad = byUser.values.first(where: { !($0 > 0) }) {
            throw RecLabError.config("rp3beta with binarize: false needs positive interaction values (transition probabilities); found \(bad)",
                                     key: "binarize")
        }
        // Degrees on the (possibly weighted) graph.
        func degrees(_ m: SparseMatrix) -> [Float] {
            (0..<m.rowCount).map { r in binarize ? Float(m.count(ofRow: r)) : m.range(ofRow: r).reduce(Float(0)) { $0 + m.values[$1] } }
        }
        let userDegree = degrees(byUser), itemDegree = degrees(byItem)
        // P(u→j)^alpha for every stored (u, j), in byUser's order; the popularity penalty 1/d_j^beta per item.
        var userToItem = [Float](repeating: 0, count: byUser.nonZeroCount)
        for u in 0..<byUser.rowCount {
            for m in byUser.range(ofRow: u) {
                let x = binarize ? 1 : byUser.values[m]
                userToItem[m] = Self.power(x / userDegree[u], alpha)
            }
        }
        let penalty = itemDegree.map { $0 > 0 ? Self.power($0, -beta) : 0 }
        let progress = context.showProgress ? ProgressReporter("rp3beta item rows", total: train.itemCount) : nil
        neighbours = NeighbourLists.build(rows: train.itemCount, k: config.k, progress: progress,
                                          makeScratch: { SparseAccumulator(count: train.itemCount) }) { i, acc, emit in
            acc.reset()
            for m in byItem.range(ofRow: i) {
                let u = Int(byItem.columns[m])
                let x = binarize ? 1 : byItem.values[m]
                let toUser = Self.power(x / itemDegree[i], alpha)
                for n in byUser.range(ofRow: u) {
                    acc.add(Int(byUser.columns[n]), toUser * userToItem[n])
                }
            }
            for j in acc.touched where Int(j) != i {
                let w = acc.values[Int(j)] * penalty[Int(j)]
                if w > 0 { emit(j, w) }
            }
        }
        popularity = itemInteractionCounts(train)
        maxPopularity = popularity.max() ?? 0
        self.train = train
    }

    /// x^p with the conventions the walk needs (x > 0; p = 1 exact).
    @inline(__always) static func power(_ x: Float, _ p: Float) -> Float {
        p == 1 ? x : Float(Foundation.pow(Double(x), Double(p)))
    }

    /// Fold-in: a held-out user's scores are Σ_i x_ui W_ij over their fold-in items, with the fitted W.
    public func foldIn(_ history: TrainingSet) throws {
        guard train != nil else { requireFitted(false, Self.typeName); return }
        train = history
    }

    /// W_ij (0 when j is not among i's kept neighbours), for inspection and tests.
    public func weight(from i: Int, to j: Int) -> Float {
        neighbours.weight(from: i, to: j)
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        neighbours.score(user: user, train: train, binarize: config.binarize, popularity: popularity, maxPopularity: maxPopularity, into: scores)
    }
}

/// A dense accumulator over `count` slots that remembers which slots it touched, so resetting costs the
/// number of touched slots, not `count` (one per worker, reused across rows).
struct SparseAccumulator {
    var values: [Float]
    var isTouched: [Bool]
    var touched: [Int32] = []

    init(count: Int) {
        values = [Float](repeating: 0, count: count); isTouched = [Bool](repeating: false, count: count)
    }

    @inline(__always) mutating func add(_ j: Int, _ x: Float) {
        if !isTouched[j] { isTouched[j] = true; touched.append(Int32(j)) }
        values[j] += x
    }

    mutating func reset() {
        for j in touched { values[Int(j)] = 0; isTouched[Int(j)] = false }
        touched.removeAll(keepingCapacity: true)
    }
}
