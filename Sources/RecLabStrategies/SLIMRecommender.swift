import Foundation
import RecLabCore

/// Settings of `slim`.
public struct SLIMConfig: DeclaredParameters {
    public var l1: Double
    public var l2: Double
    public var k: Int
    public var candidates: Int
    public var iterations: Int
    public var tolerance: Double
    public var binarize: Bool
    public var maxItems: Int

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .double("l1", \.l1, default: 5, range: 0...1e9, help: "λ, the L1 penalty λ·Σ|w| (sparsity)"),
        .double("l2", \.l2, default: 10, range: 0...1e9, help: "β, the L2 penalty β/2·Σw² (shrinkage)"),
        .int("k", \.k, default: 100, range: SimilarityOptions.neighbourRange, help: "largest weights kept per item column after the fit"),
        .int("candidates", \.candidates, default: 200, range: SimilarityOptions.neighbourRange,
             help: "items each column may use: the most cosine-similar co-occurring items (fsSLIM); at least the co-occurring item count gives exact SLIM"),
        .int("iterations", \.iterations, default: 50, range: 1...100_000, help: "most coordinate-descent sweeps per column"),
        .double("tolerance", \.tolerance, default: 1e-4, range: 0...1,
                help: "a column stops when no weight moved by more than tolerance × its largest weight in a sweep"),
        .bool("binarize", \.binarize, default: true, help: "learn from 0/1 interactions (true, as in the paper) or from the rating/count values"),
        .int("max_items", \.maxItems, default: 25_000, range: EASERecommender.maxItemsRange,
             help: "refuse catalogues with more items with training data (memory: 4·n² bytes for the Gram matrix)"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        l1 = v[\.l1]; l2 = v[\.l2]; k = v[\.k]; candidates = v[\.candidates]; iterations = v[\.iterations]
        tolerance = v[\.tolerance]; binarize = v[\.binarize]; maxItems = v[\.maxItems]
    }
}

/// SLIM, Sparse LInear Methods for top-N recommendation (Ning and Karypis, ICDM 2011): an item–item weight
/// matrix W learned column by column with an elastic net,
///
///     min_w  ½‖a_j − A w‖² + (β/2)‖w‖² + λ‖w‖₁   subject to  w ≥ 0,  w_j = 0,
///
/// where A is the user × item interaction matrix (0/1 when `binarize`) and a_j its column j; the score of
/// item j for user u is Σ_i a_ui W_ij. The columns are independent and are solved in parallel (on the run's
/// threads; each column is sequential code, so the result does not depend on the thread count).
///
/// Each column is solved by cyclic coordinate descent on the Gram matrix G = AᵀA (covariance updates,
/// Friedman, Hastie and Tibshirani 2010): w_k ← max(0, (G_jk − Σ_{m≠k} G_km w_m − λ) / (G_kk + β)), sweeping
/// until no weight moves by more than `tolerance` × the column's largest weight, or `iterations` sweeps.
/// An item k that never co-occurs with j (G_jk = 0) has gradient Σ_m G_km w_m + λ > 0 at w_k = 0 whatever
/// the other weights (all ≥ 0), so it is zero at the optimum: only co-occurring items are candidates. Of those,
/// the `candidates` most cosine-similar ones are used, the feature selection of fsSLIM (same paper, §5.2);
/// with `candidates` at least the number of co-occurring items the solution is exact SLIM. Each column then
/// keeps its `k` largest weights.
///
/// Items without training data are dropped before the fit and score 0. Memory: a dense n × n Float Gram
/// matrix (n = items with training data, guarded by `max_items`); time: O(Σ_u n_u²) for G, then per column
/// O(n + c²) to gather and O(sweeps · c²) to solve (c = candidates). Users without history get the
/// popularity ranking; items no column reaches rank below reached ones, by popularity. The model is
/// item–item, so it scores any user from their history alone (fold-in).
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class SLIMRecommender: FoldInRecommender, @unchecked Sendable {
    public static let typeName = "slim"
    public static let summary = "SLIM item-item elastic net, non-negative coordinate descent per column (Ning & Karypis 2011)"

    public let config: SLIMConfig
    var train: TrainingSet?
    /// Row i lists the items j with W_ij > 0 (source item → target items), for scoring.
    private var bySource = NeighbourLists(start: [0], items: [], weights: [])
    private var popularity: [Float] = []
    private var maxPopularity: Float = 0

    public init(parameters: Parameters) throws {
        config = try SLIMConfig(parameters, owner: Self.typeName)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let byItem = train.byItem, byUser = train.byUser
        var active = [Int32](), compact = [Int32](repeating: -1, count: train.itemCount)
        for i in 0..<train.itemCount where byItem.count(ofRow: i) > 0 {
            compact[i] = Int32(active.count); active.append(Int32(i))
        }
        let n = active.count
        guard n <= config.maxItems else {
            throw RecLabError.config("slim needs a dense \(n) × \(n) Gram matrix (\(4 * n * n / 1_000_000) MB) for the \(n) items with training data, above max_items = \(config.maxItems); raise max_items",
                                     key: "max_items")
        }
        let binarize = config.binarize
        // G = AᵀA over the active items, one row per task (disjoint writes, fixed order).
        var gram = [Float](repeating: 0, count: n * n)
        gram.withUnsafeMutableBufferPointer { gp in
            let gp = gp
            Parallel.forEachChunk(n, minChunk: 32) { chunk in
                for a in chunk {
                    let i = Int(active[a]), base = a * n
                    for m in byItem.range(ofRow: i) {
                        let u = Int(byItem.columns[m]), x = binarize ? 1 : byItem.values[m]
                        for q in byUser.range(ofRow: u) {
                            gp[base + Int(compact[Int(byUser.columns[q])])] += x * (binarize ? 1 : byUser.values[q])
                        }
                    }
                }
            }
        }
        let l1 = Float(config.l1), l2 = Float(config.l2), c = config.candidates
        let sweeps = config.iterations, tolerance = Float(config.tolerance)
        let progress = context.showProgress ? ProgressReporter("slim columns", total: n) : nil
        // Column j's weights (target j ← sources), in compact indices.
        let byTarget = gram.withUnsafeBufferPointer { g in
            NeighbourLists.build(rows: n, k: config.k, progress: progress,
                                 makeScratch: { ColumnSolver(capacity: min(c, n)) }) { j, solver, emit in
                solver.solve(gram: g, n: n, column: j, candidates: c, l1: l1, l2: l2, sweeps: sweeps, tolerance: tolerance)
                for (k, w) in solver.nonZero() { emit(active[k], w) }
            }
        }
        // Transpose to source-major lists in dense item indices.
        var counts = [Int](repeating: 0, count: train.itemCount + 1)
        for t in 0..<n { for m in byTarget.range(t) { counts[Int(byTarget.items[m]) + 1] += 1 } }
        for i in 0..<train.itemCount { counts[i + 1] += counts[i] }
        var fill = counts
        var items = [Int32](repeating: 0, count: byTarget.items.count), weights = [Float](repeating: 0, count: byTarget.items.count)
        for t in 0..<n {
            for m in byTarget.range(t) {
                let s = Int(byTarget.items[m])
                items[fill[s]] = active[t]; weights[fill[s]] = byTarget.weights[m]; fill[s] += 1
            }
        }
        bySource = NeighbourLists(start: counts, items: items, weights: weights)
        popularity = itemInteractionCounts(train)
        maxPopularity = popularity.max() ?? 0
        self.train = train
    }

    /// Memory the fit needs (the dense n × n Float Gram matrix), for checking against the run's budget first.
    public func estimatedFitBytes(users: Int, items: Int, interactions: Int) -> Int? { 4 * items * items }

    public func memoryAlternatives(budget: Int, items: Int) -> String? {
        "slim holds a dense 4·n² byte Gram matrix; use rp3beta or item-knn, whose memory grows with the interactions"
    }

    /// Fold-in: a held-out user's scores are Σ_i x_ui W_ij over their fold-in items, with the fitted W.
    public func foldIn(_ history: TrainingSet) throws {
        guard train != nil else { requireFitted(false, Self.typeName); return }
        train = history
    }

    /// W_ij (0 when not kept), for inspection and tests.
    public func weight(from i: Int, to j: Int) -> Float {
        bySource.weight(from: i, to: j)
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        bySource.score(user: user, train: train, binarize: config.binarize, popularity: popularity, maxPopularity: maxPopularity, into: scores)
    }
}

/// One column's non-negative elastic net by cyclic coordinate descent on a gathered sub-Gram matrix
/// (per-worker scratch, reused across columns).
struct ColumnSolver {
    var picked: [Int] = []
    var sub: [Float] = []
    var residual: [Float] = []
    var w: [Float] = []
    private var heap: TopKHeap

    init(capacity: Int) {
        heap = TopKHeap(capacity: max(capacity, 1))
    }

    /// Solves column `column` of the row-major n × n Gram matrix over its `candidates` most cosine-similar
    /// co-occurring items (ties to the lower index).
    mutating func solve(gram g: UnsafeBufferPointer<Float>, n: Int, column j: Int, candidates: Int, l1: Float, l2: Float,
                        sweeps: Int, tolerance: Float) {
        heap.removeAll()
        let row = j * n
        for k in 0..<n where k != j && g[row + k] > 0 {
            // Cosine between columns j and k; G_jj is common to all k, so G_jk / sqrt(G_kk) ranks the same.
            heap.offer(item: Int32(k), score: g[row + k] / g[k * n + k].squareRoot())
        }
        picked = heap.sortedBestFirst().map { Int($0.item) }.sorted()
        let c = picked.count
        sub = [Float](repeating: 0, count: c * c)
        residual = [Float](repeating: 0, count: c)
        w = [Float](repeating: 0, count: c)
        for a in 0..<c {
            residual[a] = g[row + picked[a]]
            for b in 0..<c { sub[a * c + b] = g[picked[a] * n + picked[b]] }
        }
        // residual = G_Sj − G_SS w (the negative smooth gradient), kept up to date after every move.
        for _ in 0..<sweeps {
            var largestMove: Float = 0, largestWeight: Float = 0
            for a in 0..<c {
                let diagonal = sub[a * c + a]
                let old = w[a]
                let updated = max(0, (residual[a] + diagonal * old - l1) / (diagonal + l2))
                let delta = updated - old
                if delta != 0 {
                    w[a] = updated
                    for b in 0..<c { residual[b] -= delta * sub[a * c + b] }
                    largestMove = max(largestMove, abs(delta))
                }
                largestWeight = max(largestWeight, updated)
            }
            if largestMove <= tolerance * largestWeight { break }
        }
    }

    /// The positive weights as (compact item, weight).
    func nonZero() -> [(Int, Float)] {
        (0..<picked.count).compactMap { w[$0] > 0 ? (picked[$0], w[$0]) : nil }
    }
}
