import CBLAS
import Foundation
import RecLabCore

/// Settings of `ease`.
public struct EASEConfig: DeclaredParameters {
    public var lambda: Double
    public var binarize: Bool
    public var maxItems: Int

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .double("lambda", \.lambda, default: 400, range: 1e-9...1e12,
                help: "L2 regularisation λ added to the Gram matrix diagonal (> 0); 400 is best on ml-latest-small (grid 100–800), larger data sets want larger λ"),
        .bool("binarize", \.binarize, default: true,
              help: "learn from 0/1 interactions (true, as in the paper) or from the rating/count values"),
        .int("max_items", \.maxItems, default: 25_000, range: EASERecommender.maxItemsRange,
             help: "refuse catalogues with more items with training data (memory: 4·n² bytes)"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        lambda = v[\.lambda]; binarize = v[\.binarize]; maxItems = v[\.maxItems]
    }
}

/// EASE, the "Embarrassingly Shallow Autoencoder" of Steck (WWW 2019), closed form:
/// P = (XᵀX + λI)⁻¹, B = I − P·diag(1/diag(P)), i.e. B_ij = −P_ij / P_jj and B_jj = 0; score_u = x_uᵀ B.
///
/// Items nobody interacted with in training have an all-zero Gram row and column; their B rows and columns
/// are zero, so they are dropped before the solve and score 0. The Gram matrix is accumulated from the sparse
/// user lists (O(Σ_u n_u²), parallel over item rows), λ is added to its diagonal, and LAPACK inverts it in
/// single precision through its Cholesky factor (`spotrf`, then `spotri`; n³ flops in all, half of a general
/// inverse, on OpenBLAS's threads). Memory: one dense n × n Float matrix (n = items with training data),
/// which is why `max_items` guards against catalogues that cannot fit (ml-25m's 59k movies would need 14 GB).
/// Ranking costs O(n_u · n) per user. Users without training items get the popularity ranking.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class EASERecommender: FoldInRecommender, @unchecked Sendable {
    public static let typeName = "ease"
    public static let summary = "EASE linear item-item autoencoder, closed form with LAPACK Cholesky (Steck 2019)"

    public let config: EASEConfig
    private var lambda: Float { Float(config.lambda) }
    private var binarize: Bool { config.binarize }
    private var maxItems: Int { config.maxItems }
    private var train: TrainingSet?
    /// Dense item index of each compact column, and the compact index of each item (−1 = no training data).
    private var activeItems: [Int32] = []
    private var compactIndex: [Int32] = []
    /// Row-major n × n weights B (n = activeItems.count).
    private var weights: [Float] = []
    private var popularity: [Float] = []

    /// Range of `max_items`: the fit holds dense n × n matrices (4 bytes a cell, 6.4 GB each at the top).
    public static let maxItemsRange = 1...40_000

    public init(parameters: Parameters) throws {
        config = try EASEConfig(parameters, owner: Self.typeName)
    }

    public func fit(_ train: TrainingSet, context: FitContext) throws {
        let byItem = train.byItem, byUser = train.byUser
        var active = [Int32](), compact = [Int32](repeating: -1, count: train.itemCount)
        for i in 0..<train.itemCount where byItem.count(ofRow: i) > 0 {
            compact[i] = Int32(active.count); active.append(Int32(i))
        }
        let n = active.count
        guard n <= maxItems else {
            throw RecLabError.config("ease needs a dense \(n) × \(n) matrix (\(4 * n * n / 1_000_000) MB) for the \(n) items with training data, above max_items = \(maxItems); raise max_items or use item-knn",
                                     key: "max_items")
        }
        // Three steps of very different length; the reporter shows which one is running on long fits.
        let progress = context.showProgress ? ProgressReporter("ease fit (Gram, Cholesky, inverse) n=\(n)", total: 3, interval: 0) : nil
        defer { progress?.finish() }
        var g = [Float](repeating: 0, count: n * n)
        let userVals = binarize ? [Float](repeating: 1, count: byUser.nonZeroCount) : byUser.values
        let itemVals = binarize ? [Float](repeating: 1, count: byItem.nonZeroCount) : byItem.values
        // Gram matrix G = XᵀX through the user lists, one output row per task (disjoint writes, fixed order).
        g.withUnsafeMutableBufferPointer { gp in
            let gp = gp
            compact.withUnsafeBufferPointer { cp in
                Parallel.forEachChunk(n, minChunk: 32) { rowsChunk in
                    for a in rowsChunk {
                        let i = Int(active[a])
                        let rowBase = a * n
                        for k in byItem.range(ofRow: i) {
                            let u = Int(byItem.columns[k]), x = itemVals[k]
                            for m in byUser.range(ofRow: u) {
                                gp[rowBase + Int(cp[Int(byUser.columns[m])])] += x * userVals[m]
                            }
                        }
                        gp[rowBase + a] += lambda
                    }
                }
            }
        }
        progress?.advance()
        if n > 0 {
            // Row-major symmetric = column-major symmetric; "U" in LAPACK's column-major terms is the row-major
            // lower triangle.
            var info: Int32 = 0
            var dim = Int32(n)
            var uplo = Int8(UInt8(ascii: "U"))
            g.withUnsafeMutableBufferPointer { spotrf_(&uplo, &dim, $0.baseAddress, &dim, &info) }
            guard info == 0 else {
                throw RecLabError.data("ease: XᵀX + λI is not positive definite (LAPACK spotrf info \(info)); increase lambda")
            }
            progress?.advance()
            g.withUnsafeMutableBufferPointer { spotri_(&uplo, &dim, $0.baseAddress, &dim, &info) }
            progress?.advance()
            guard info == 0 else {
                throw RecLabError.data("ease: inverting XᵀX + λI failed (LAPACK spotri info \(info)); increase lambda")
            }
            // P is in the row-major lower triangle: mirror it, then B_ab = −P_ab / P_bb, B_aa = 0.
            g.withUnsafeMutableBufferPointer { p in
                let p = p
                Parallel.forEachChunk(n, minChunk: 64) { chunk in
                    for a in chunk { for b in (a + 1)..<max(a + 1, n) { p[a * n + b] = p[b * n + a] } }
                }
                var inverseDiagonal = [Float](repeating: 0, count: n)
                for b in 0..<n { inverseDiagonal[b] = 1 / p[b * n + b] }
                inverseDiagonal.withUnsafeBufferPointer { d in
                    Parallel.forEachChunk(n, minChunk: 64) { chunk in
                        for a in chunk {
                            let row = a * n
                            for b in 0..<n { p[row + b] = -p[row + b] * d[b] }
                            p[row + a] = 0
                        }
                    }
                }
            }
        }
        weights = g
        activeItems = active
        compactIndex = compact
        popularity = itemInteractionCounts(train)
        self.train = train
    }

    /// Fold-in: a held-out user's scores are x_u^T B with the fitted B (the item model needs no user parameters).
    public func foldIn(_ history: TrainingSet) throws {
        guard train != nil else { requireFitted(false, Self.typeName); return }
        train = history
    }

    /// B_ij between two items (0 when either has no training data), for inspection and tests.
    public func weight(from i: Int, to j: Int) -> Float {
        let a = compactIndex[i], b = compactIndex[j]
        guard a >= 0, b >= 0 else { return 0 }
        return weights[Int(a) * activeItems.count + Int(b)]
    }

    public func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        let r = train.byUser.range(ofRow: user)
        if r.isEmpty { copyScores(popularity, into: scores); return }
        let n = activeItems.count
        var compactScores = [Float](repeating: 0, count: n)
        weights.withUnsafeBufferPointer { w in
            compactScores.withUnsafeMutableBufferPointer { s in
                for k in r {
                    let a = Int(compactIndex[Int(train.byUser.columns[k])])
                    let x = binarize ? 1 : train.byUser.values[k]
                    cblas_saxpy(Int32(n), x, w.baseAddress! + a * n, 1, s.baseAddress, 1)
                }
            }
        }
        for j in 0..<scores.count { scores[j] = 0 }
        for a in 0..<n { scores[Int(activeItems[a])] = compactScores[a] }
    }
}
