import CBLAS
import Foundation
import RecLabCore

/// Settings of `ease`.
public struct EASEConfig: DeclaredParameters {
    public var lambda: Double
    public var binarize: Bool
    public var maxItems: Int
    public var topItems: Int

    public static let parameterDeclarations: [ParameterDeclaration<Self>] = [
        .double("lambda", \.lambda, default: 400, range: 1e-9...1e12,
                help: "L2 regularisation λ added to the Gram matrix diagonal (> 0); 400 is best on ml-latest-small (grid 100–800), larger data sets want larger λ"),
        .bool("binarize", \.binarize, default: true,
              help: "learn from 0/1 interactions (true, as in the paper) or from the rating/count values"),
        .int("max_items", \.maxItems, default: 25_000, range: EASERecommender.maxItemsRange,
             help: "refuse catalogues with more items with training data (memory: 4·n² bytes)"),
        .int("top_items", \.topItems, default: 0, range: 0...EASERecommender.maxItemsRange.upperBound,
             help: "0: model every title with training data; N: model only the N most-watched titles (memory 4·N² bytes), the others ranked after them by popularity"),
    ]

    public init(reading v: DeclaredValues<Self>) {
        lambda = v[\.lambda]; binarize = v[\.binarize]; maxItems = v[\.maxItems]; topItems = v[\.topItems]
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
///
/// Catalogues too large for the dense matrix (ML-25M's 59k titles) can be restricted with `top_items: N`: the
/// model covers the N titles with the most training interactions (ties to the lower index), which hold most of
/// the interactions in long-tailed data; the other titles are ranked after every modelled title, by popularity
/// (score = the user's lowest modelled score − 1 − (1 − count / max count)), and a user who has watched none of
/// the modelled titles gets the popularity ranking. `estimatedFitBytes` lets a run check memory before any work.
// @unchecked Sendable: the fitted state is written only by `fit`, before the strategy is shared; `score` and
// `predict` only read it (the Recommender contract), so concurrent scoring needs no lock.
public final class EASERecommender: FoldInRecommender, @unchecked Sendable {
    public static let typeName = "ease"
    public static let summary = "EASE linear item-item autoencoder, closed form with LAPACK Cholesky (Steck 2019)"

    public let config: EASEConfig
    private var lambda: Float { Float(config.lambda) }
    private var binarize: Bool { config.binarize }
    private var maxItems: Int { config.maxItems }
    /// Whether some titles with training data are left out of the model (`top_items`).
    private var restricted = false
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
        var withData = (0..<train.itemCount).filter { byItem.count(ofRow: $0) > 0 }
        let isRestricted = config.topItems > 0 && withData.count > config.topItems
        if isRestricted {
            // The most-watched titles, then back in index order (the compact order must follow item order).
            withData.sort { (byItem.count(ofRow: $0), $1) > (byItem.count(ofRow: $1), $0) }
            withData = Array(withData.prefix(config.topItems)).sorted()
        }
        for i in withData { compact[i] = Int32(active.count); active.append(Int32(i)) }
        let n = active.count
        guard n <= maxItems else {
            throw RecLabError.config("ease needs a dense \(n) × \(n) matrix (\(4 * n * n / 1_000_000) MB) for the \(n) items with training data, above max_items = \(maxItems); set top_items to model only the most-watched titles, raise max_items, or use item-knn",
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
                            if isRestricted {
                                for m in byUser.range(ofRow: u) {
                                    let c = Int(cp[Int(byUser.columns[m])])
                                    if c >= 0 { gp[rowBase + c] += x * userVals[m] }
                                }
                            } else {
                                for m in byUser.range(ofRow: u) {
                                    gp[rowBase + Int(cp[Int(byUser.columns[m])])] += x * userVals[m]
                                }
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
        restricted = isRestricted
        self.train = train
    }

    /// Fold-in: a held-out user's scores are x_u^T B with the fitted B (the item model needs no user parameters).
    public func foldIn(_ history: TrainingSet) throws {
        guard train != nil else { requireFitted(false, Self.typeName); return }
        train = history
    }

    /// Memory the fit needs for a training set of `items` titles (the dense n × n Float matrix, factorised and
    /// inverted in place), for checking before any work.
    public func estimatedFitBytes(users: Int, items: Int, interactions: Int) -> Int? {
        let n = config.topItems > 0 ? min(items, config.topItems) : items
        return 4 * n * n
    }

    public func memoryAlternatives(budget: Int, items: Int) -> String? {
        let fits = Int((Double(budget) / 4).squareRoot())
        return "set top_items to model only the most-watched titles (at most \(fits) fit in this budget: 4·N² bytes), or use item-knn or implicit-als, whose memory grows with the interactions"
    }

    /// Writes a user's scores from the compact (modelled) scores: unmodelled titles ranked after every modelled
    /// one by popularity (see the type's comment).
    private func expand(_ compactScores: UnsafeBufferPointer<Float>, into scores: UnsafeMutableBufferPointer<Float>) {
        if restricted {
            var lowest = Float.infinity
            for v in compactScores { lowest = min(lowest, v) }
            let top = max(popularity.max() ?? 1, 1)
            for j in 0..<scores.count { scores[j] = lowest - 1 - (1 - popularity[j] / top) }
        } else {
            for j in 0..<scores.count { scores[j] = 0 }
        }
        for a in 0..<compactScores.count { scores[Int(activeItems[a])] = compactScores[a] }
    }

    /// Whether `user` has a training item the model covers.
    private func hasModelledItem(_ user: Int, _ train: TrainingSet) -> Bool {
        let r = train.byUser.range(ofRow: user)
        return restricted ? r.contains { compactIndex[Int(train.byUser.columns[$0])] >= 0 } : !r.isEmpty
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
        if !hasModelledItem(user, train) { copyScores(popularity, into: scores); return }
        let n = activeItems.count
        var compactScores = [Float](repeating: 0, count: n)
        weights.withUnsafeBufferPointer { w in
            compactScores.withUnsafeMutableBufferPointer { s in
                for k in r {
                    let a = Int(compactIndex[Int(train.byUser.columns[k])])
                    guard a >= 0 else { continue }
                    let x = binarize ? 1 : train.byUser.values[k]
                    cblas_saxpy(Int32(n), x, w.baseAddress! + a * n, 1, s.baseAddress, 1)
                }
            }
        }
        compactScores.withUnsafeBufferPointer { expand($0, into: scores) }
    }

    /// Scores of a block of users: the sparse-times-dense product `X_block · B`, computed item by item so each
    /// row of B is read once for the whole block rather than once per user who has the item (popular titles
    /// are in most histories). A dense GEMM would multiply the zeros of X too (n² instead of n_u · n work per
    /// user). Each user's row sums the same B rows in the same order (items ascending) as `score(user:)`, so
    /// the scores are bit-identical. Memory: block × n floats. Call with BLAS single-threaded from parallel
    /// workers (`BLASThreads.singleThreaded`).
    public func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        guard let train else { requireFitted(false, Self.typeName); return }
        let b = users.count, items = train.itemCount, n = activeItems.count
        precondition(scores.count == b * items, "score buffer must hold users × items floats")
        var entries: [(item: Int32, row: Int32, x: Float)] = []
        for (r, user) in users.enumerated() {
            for k in train.byUser.range(ofRow: Int(user)) where compactIndex[Int(train.byUser.columns[k])] >= 0 {
                entries.append((compactIndex[Int(train.byUser.columns[k])], Int32(r), binarize ? 1 : train.byUser.values[k]))
            }
        }
        entries.sort { ($0.item, $0.row) < ($1.item, $1.row) }
        var compactScores = [Float](repeating: 0, count: b * n)
        weights.withUnsafeBufferPointer { w in
            compactScores.withUnsafeMutableBufferPointer { s in
                for e in entries {
                    cblas_saxpy(Int32(n), e.x, w.baseAddress! + Int(e.item) * n, 1, s.baseAddress! + Int(e.row) * n, 1)
                }
            }
        }
        for (r, user) in users.enumerated() {
            let row = UnsafeMutableBufferPointer(rebasing: scores[(r * items)..<((r + 1) * items)])
            if !hasModelledItem(Int(user), train) { copyScores(popularity, into: row); continue }
            compactScores.withUnsafeBufferPointer { expand(UnsafeBufferPointer(rebasing: $0[(r * n)..<((r + 1) * n)]), into: row) }
        }
    }
}
