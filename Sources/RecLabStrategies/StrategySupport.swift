import RecLabCore

// Shared building blocks of the baseline, neighbourhood, EASE, content and hybrid strategies.

/// Training interactions per item (distinct users who interacted), as Float scores. O(items).
func itemInteractionCounts(_ train: TrainingSet) -> [Float] {
    (0..<train.itemCount).map { Float(train.byItem.count(ofRow: $0)) }
}

/// Copies `values` into `scores` (the usual fallback for a user the model knows nothing about).
@inline(__always)
func copyScores(_ values: [Float], into scores: UnsafeMutableBufferPointer<Float>) {
    values.withUnsafeBufferPointer { src in
        for i in 0..<min(src.count, scores.count) { scores[i] = src[i] }
    }
}

/// The damped baseline predictor r̂(u,i) = μ + b_i + b_u of Koren ("Factor in the neighbors", TKDD 2010, §2.1):
/// b_i = Σ_u (r_ui − μ) / (λ_i + n_i), then b_u = Σ_i (r_ui − μ − b_i) / (λ_u + n_u). The damping terms pull
/// items and users with few ratings toward the global mean μ. O(nnz).
struct BaselinePredictor: Sendable {
    var globalMean: Float
    var itemBias: [Float]
    var userBias: [Float]

    init(train: TrainingSet, itemDamping: Float, userDamping: Float) {
        let mu = train.globalMean
        globalMean = mu
        var bi = [Float](repeating: 0, count: train.itemCount)
        let byItem = train.byItem, byUser = train.byUser
        for i in 0..<train.itemCount {
            let r = byItem.range(ofRow: i)
            var s: Float = 0
            for k in r { s += byItem.values[k] - mu }
            bi[i] = r.isEmpty ? 0 : s / (itemDamping + Float(r.count))
        }
        var bu = [Float](repeating: 0, count: train.userCount)
        for u in 0..<train.userCount {
            let r = byUser.range(ofRow: u)
            var s: Float = 0
            for k in r { s += byUser.values[k] - mu - bi[Int(byUser.columns[k])] }
            bu[u] = r.isEmpty ? 0 : s / (userDamping + Float(r.count))
        }
        itemBias = bi; userBias = bu
    }

    @inline(__always) func predict(user: Int, item: Int) -> Float {
        globalMean + userBias[user] + itemBias[item]
    }
}

/// Top-k neighbour lists in CSR form: `items[start[i] ..< start[i+1]]` are row i's neighbours, best first,
/// with `weights` their similarities. Built in parallel (one row per task, written into its own slot) and
/// compacted, so the result does not depend on the thread count.
struct NeighbourLists: Sendable {
    var start: [Int]
    var items: [Int32]
    var weights: [Float]

    var rowCount: Int { start.count - 1 }
    @inline(__always) func range(_ row: Int) -> Range<Int> { start[row]..<start[row + 1] }

    /// The weight from `row` to `item` (0 when `item` is not in the row's list).
    func weight(from row: Int, to item: Int) -> Float {
        for m in range(row) where Int(items[m]) == item { return weights[m] }
        return 0
    }

    /// Item-item scores of `user`: Σ over the user's training items i of x_ui · W_ij (x_ui = 1 when `binarize`),
    /// titles no list reaches ranked below the reached ones by popularity, and the popularity ranking for a user
    /// without training items. O(n_u · k + items). Shared by the item-item models (rp3beta, slim).
    func score(user: Int, train: TrainingSet, binarize: Bool, popularity: [Float], maxPopularity: Float,
               into scores: UnsafeMutableBufferPointer<Float>) {
        let r = train.byUser.range(ofRow: user)
        if r.isEmpty { copyScores(popularity, into: scores); return }
        for j in 0..<scores.count { scores[j] = 0 }
        for m in r {
            let i = Int(train.byUser.columns[m])
            let x = binarize ? 1 : train.byUser.values[m]
            for n in range(i) { scores[Int(items[n])] += x * weights[n] }
        }
        fillUnreachedByPopularity(scores, popularity: popularity, maxPopularity: maxPopularity)
    }

    /// Runs `compute(row, emit)` for every row in parallel; `compute` reports candidate (index, similarity)
    /// pairs through `emit`; each row keeps its `k` best (higher similarity first, ties to the lower index).
    /// `makeScratch` makes one per-chunk workspace (accumulators reused across rows of a chunk).
    /// Memory O(rows · k).
    static func build<Scratch>(rows: Int, k: Int, progress: ProgressReporter? = nil, makeScratch: () -> Scratch,
                               compute: (Int, inout Scratch, (Int32, Float) -> Void) -> Void) -> NeighbourLists {
        let slot = max(k, 0)
        var slotItems = [Int32](repeating: 0, count: rows * slot)
        var slotWeights = [Float](repeating: 0, count: rows * slot)
        var counts = [Int](repeating: 0, count: rows)
        slotItems.withUnsafeMutableBufferPointer { si in
            slotWeights.withUnsafeMutableBufferPointer { sw in
                counts.withUnsafeMutableBufferPointer { cnt in
                    let si = si, sw = sw, cnt = cnt
                    Parallel.forEachChunk(rows, minChunk: 16) { chunk in
                        var scratch = makeScratch()
                        var heap = TopKHeap(capacity: slot)
                        for row in chunk {
                            heap.removeAll()
                            compute(row, &scratch) { j, s in heap.offer(item: j, score: s) }
                            let best = heap.sortedBestFirst()
                            cnt[row] = best.count
                            for (n, e) in best.enumerated() {
                                si[row * slot + n] = e.item; sw[row * slot + n] = e.score
                            }
                        }
                        progress?.advance(by: chunk.count)
                    }
                }
            }
        }
        progress?.finish()
        var start = [Int](repeating: 0, count: rows + 1)
        for r in 0..<rows { start[r + 1] = start[r] + counts[r] }
        var items = [Int32](repeating: 0, count: start[rows])
        var weights = [Float](repeating: 0, count: start[rows])
        for r in 0..<rows {
            for n in 0..<counts[r] {
                items[start[r] + n] = slotItems[r * slot + n]; weights[start[r] + n] = slotWeights[r * slot + n]
            }
        }
        return NeighbourLists(start: start, items: items, weights: weights)
    }
}

/// Scores for items a neighbourhood model did not reach: they go below every reached item (scores > 0),
/// ordered among themselves by popularity, so the tail of a ranking is still sensible.
/// Unreached item j gets −1 + pop_j / (max pop + 1) ∈ (−1, 0).
func fillUnreachedByPopularity(_ scores: UnsafeMutableBufferPointer<Float>, popularity: [Float], maxPopularity: Float) {
    let scale = 1 / (maxPopularity + 1)
    for j in 0..<scores.count where !(scores[j] > 0) {
        scores[j] = -1 + popularity[j] * scale
    }
}

/// Splits `base.x` style keys: returns the keys with the prefix removed, keeping their lines.
func parameters(withPrefix prefix: String, from p: Parameters) -> Parameters {
    var values = [String: ParamValue](), lines = [String: Int]()
    for (key, v) in p.values where key.hasPrefix(prefix) {
        let inner = String(key.dropFirst(prefix.count))
        values[inner] = v
        if let l = p.lines[key] { lines[inner] = l }
    }
    return Parameters(values, lines: lines, file: p.file)
}

/// Common check: the strategy must be fitted before scoring. Scoring an unfitted model is a programming error.
@inline(__always)
func requireFitted(_ fitted: Bool, _ name: String) {
    precondition(fitted, "strategy '\(name)' used before fit")
}
