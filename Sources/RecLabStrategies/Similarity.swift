import Foundation
import RecLabCore

/// Similarity measures of the neighbourhood strategies, computed sparsely between the rows of a sparse matrix
/// (items of the item-by-user matrix for item-knn, users of the user-by-item matrix for user-knn).
///
/// - `cosine`: cos(a, b) = a·b / (‖a‖‖b‖) over the full vectors (binary 0/1 values when `binarize`), the
///   measure of Deshpande and Karypis (TOIS 2004) for top-N.
/// - `adjusted-cosine`: cosine after subtracting each value's *other-side* mean (for items: the rating user's
///   mean), Sarwar, Karypis, Konstan and Riedl, "Item-based collaborative filtering recommendation
///   algorithms", WWW 2001, §3.1.3.
/// - `pearson`: Pearson correlation over the co-rated entries, values centred by their own row's mean
///   (Herlocker, Konstan, Borchers and Riedl, SIGIR 1999 for users; Sarwar et al. 2001 §3.1.2 for items).
///
/// Every measure is multiplied by the shrinkage factor n/(n + shrink), n = number of co-rated entries
/// (Koren, "Factorization meets the neighborhood", KDD 2008, eq. 2), pairs with n < `minSupport` are dropped,
/// and only positive similarities are kept (negative neighbours would push items down a top-N list, and
/// Herlocker et al. found them of little value for prediction).
public enum SimilarityKind: String, Sendable, CaseIterable {
    case cosine
    case adjustedCosine = "adjusted-cosine"
    case pearson
}

struct SimilarityOptions: Sendable {
    /// Range of `k` and `candidates`: each row keeps up to max(k, candidates) neighbours (8 bytes each),
    /// so the bound keeps the lists of a large catalogue or user base within a few GB.
    static let neighbourRange = 1...2000
    var kind: SimilarityKind
    var binarize: Bool
    var shrink: Float
    var minSupport: Int
    /// Neighbours used per row (k).
    var neighbours: Int
    /// Neighbours stored per row (≥ k): rating prediction picks the k most similar among the stored ones the
    /// user rated, so it needs a deeper list than ranking.
    var stored: Int
}

enum SparseSimilarity {
    /// The `options.neighbours` most similar rows of every row of `rows` (whose transpose is `cols`).
    ///
    /// Co-occurrences are accumulated through the transpose: for row a, every column c of a, every row b of
    /// column c adds v_ac·v_bc to b's accumulator. Work O(Σ_c n_c²) (n_c = entries in column c), memory
    /// O(rows · neighbours) for the result plus one dense accumulator of `rows.rowCount` floats per worker:
    /// never a dense rows × rows matrix, so 60k MovieLens movies fit. Parallel over rows; each row's sums
    /// run in a fixed order, so results do not depend on the thread count.
    static func neighbours(rows: SparseMatrix, cols: SparseMatrix, options: SimilarityOptions,
                           progress: ProgressReporter? = nil) -> NeighbourLists {
        let (rowVals, colVals) = transformedValues(rows: rows, cols: cols, options: options)
        let n = rows.rowCount
        var norms = [Float](repeating: 0, count: n)
        for r in 0..<n {
            var s: Float = 0
            for k in rows.range(ofRow: r) { s += rowVals[k] * rowVals[k] }
            norms[r] = s.squareRoot()
        }
        let coRatedNorms = options.kind == .pearson
        let shrink = options.shrink, minSupport = max(1, options.minSupport)
        if options.kind == .cosine && options.binarize {
            return binaryCosineNeighbours(rows: rows, cols: cols, norms: norms, options: options, progress: progress)
        }

        struct Scratch {
            var dot: [Float]; var count: [Int32]; var sqA: [Float]; var sqB: [Float]; var touched: [Int32]
        }
        return NeighbourLists.build(rows: n, k: min(max(options.neighbours, options.stored), n), progress: progress, makeScratch: {
            Scratch(dot: [Float](repeating: 0, count: n), count: [Int32](repeating: 0, count: n),
                    sqA: coRatedNorms ? [Float](repeating: 0, count: n) : [],
                    sqB: coRatedNorms ? [Float](repeating: 0, count: n) : [], touched: [])
        }, compute: { a, s, emit in
            rows.columns.withUnsafeBufferPointer { rc in
            cols.columns.withUnsafeBufferPointer { cc in
            rowVals.withUnsafeBufferPointer { rv in
            colVals.withUnsafeBufferPointer { cv in
            s.dot.withUnsafeMutableBufferPointer { dot in
            s.count.withUnsafeMutableBufferPointer { count in
            s.sqA.withUnsafeMutableBufferPointer { sqA in
            s.sqB.withUnsafeMutableBufferPointer { sqB in
                s.touched.removeAll(keepingCapacity: true)
                for k in rows.range(ofRow: a) {
                    let c = Int(rc[k]), va = rv[k]
                    for m in cols.range(ofRow: c) {
                        let b = Int(cc[m])
                        if b == a { continue }
                        let vb = cv[m]
                        if count[b] == 0 { s.touched.append(Int32(b)) }
                        count[b] += 1
                        dot[b] += va * vb
                        if coRatedNorms { sqA[b] += va * va; sqB[b] += vb * vb }
                    }
                }
                for b32 in s.touched {
                    let b = Int(b32)
                    let support = Int(count[b])
                    let denominator = coRatedNorms ? (sqA[b] * sqB[b]).squareRoot() : norms[a] * norms[b]
                    if support >= minSupport && denominator > 0 {
                        let sim = dot[b] / denominator * Float(support) / (Float(support) + shrink)
                        if sim > 0 { emit(b32, sim) }
                    }
                    dot[b] = 0; count[b] = 0
                    if coRatedNorms { sqA[b] = 0; sqB[b] = 0 }
                }
            }}}}}}}}
        })
    }

    /// Cosine on 0/1 values, the default of item-knn: every product is 1, so a pair's dot product is its count of
    /// co-occurrences (exact in Float up to 2^24, the same value the general loop sums) and one Int32 accumulator
    /// does the work of two; the loops run over raw buffers. Same similarities, same lists as the general path.
    private static func binaryCosineNeighbours(rows: SparseMatrix, cols: SparseMatrix, norms: [Float], options: SimilarityOptions,
                                               progress: ProgressReporter?) -> NeighbourLists {
        let n = rows.rowCount
        let shrink = options.shrink, minSupport = Int32(clamping: max(1, options.minSupport))
        // Per worker: the co-occurrence counts of the current row and the rows it touched (raw buffers: the
        // appends and resets are the hot loop, and array appends there cost a uniqueness check each).
        final class Scratch {
            let count: UnsafeMutableBufferPointer<Int32>, touched: UnsafeMutableBufferPointer<Int32>
            init(_ n: Int) {
                count = .allocate(capacity: n); count.initialize(repeating: 0)
                touched = .allocate(capacity: n + 1); touched.initialize(repeating: 0)
            }
            deinit { count.deallocate(); touched.deallocate() }
        }
        return NeighbourLists.build(rows: n, k: min(max(options.neighbours, options.stored), n), progress: progress, makeScratch: {
            Scratch(n)
        }, compute: { a, s, emit in
            rows.columns.withUnsafeBufferPointer { rc in
            rows.rowStart.withUnsafeBufferPointer { rs in
            cols.columns.withUnsafeBufferPointer { cc in
            cols.rowStart.withUnsafeBufferPointer { cs in
            norms.withUnsafeBufferPointer { norm in
                let count = s.count, touched = s.touched
                var touchedCount = 0
                for k in rs[a]..<rs[a + 1] {
                    let c = Int(rc[k])
                    for m in cs[c]..<cs[c + 1] {
                        let b = Int(cc[m])
                        // Branch-free: always write the candidate, keep it only on its first count.
                        touched[touchedCount] = Int32(truncatingIfNeeded: b)
                        touchedCount &+= count[b] == 0 ? 1 : 0
                        count[b] &+= 1
                    }
                }
                let normA = norm[a]
                for t in 0..<touchedCount {
                    let b32 = touched[t]
                    let b = Int(b32)
                    let support = count[b]
                    count[b] = 0
                    guard b != a, support >= minSupport else { continue }
                    let denominator = normA * norm[b]
                    if denominator > 0 {
                        let sim = Float(support) / denominator * Float(support) / (Float(support) + shrink)
                        if sim > 0 { emit(b32, sim) }
                    }
                }
            }}}}}
        })
    }

    /// The values each measure compares, aligned with `rows.values` and `cols.values`.
    static func transformedValues(rows: SparseMatrix, cols: SparseMatrix, options: SimilarityOptions) -> ([Float], [Float]) {
        func means(_ m: SparseMatrix) -> [Float] {
            (0..<m.rowCount).map { r in
                let range = m.range(ofRow: r)
                if range.isEmpty { return 0 }
                var s: Float = 0
                for k in range { s += m.values[k] }
                return s / Float(range.count)
            }
        }
        switch options.kind {
        case .cosine:
            if options.binarize {
                return ([Float](repeating: 1, count: rows.nonZeroCount), [Float](repeating: 1, count: cols.nonZeroCount))
            }
            return (rows.values, cols.values)
        case .pearson, .adjustedCosine:
            // Pearson centres by the compared row's own mean; adjusted cosine by the other side's mean.
            let rowMean = means(rows), colMean = means(cols)
            let ownMean = options.kind == .pearson
            var rv = rows.values, cv = cols.values
            for r in 0..<rows.rowCount {
                for k in rows.range(ofRow: r) {
                    rv[k] -= ownMean ? rowMean[r] : colMean[Int(rows.columns[k])]
                }
            }
            for c in 0..<cols.rowCount {
                for k in cols.range(ofRow: c) {
                    cv[k] -= ownMean ? rowMean[Int(cols.columns[k])] : colMean[c]
                }
            }
            return (rv, cv)
        }
    }
}
