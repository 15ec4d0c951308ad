import CBLAS
import RecLabCore

/// A fitted latent-factor model shared by `biased-mf`, `als`, `implicit-als` and `bpr`:
/// `score(u, i) = mu + b_u + c_i + p_u . q_i`, with the terms a strategy does not learn left at zero.
/// Users and items with no training data keep zero factors and zero biases, so they get
/// `mu + c_i` (the item's learned bias), a sensible non-personalised fallback.
struct FactorModel: Sendable {
    let factors: Int
    let userCount: Int
    let itemCount: Int
    /// Row-major `userCount x factors` and `itemCount x factors`.
    var userFactors: [Float]
    var itemFactors: [Float]
    var userBias: [Float]
    var itemBias: [Float]
    var globalMean: Float
    /// Training rating range, for clipping predictions (as Surprise and LensKit do); nil for ranking models.
    var ratingRange: ClosedRange<Float>?
    /// Prediction for a pair whose user or item has no training data, for models without biases
    /// (plain ALS would otherwise predict 0 there); nil keeps `mu + b_u + c_i`.
    var coldPrediction: Float?
    /// Whether each user and item had training data (set by `clearUnseen`).
    var userSeen: [Bool]
    var itemSeen: [Bool]

    /// Most factor values a model may hold ((users + items) × factors, 4 bytes each): checked before
    /// allocating, since `factors` is only bounded per key and the data's size is known only at fit time.
    static let maxFactorValues = 500_000_000

    /// A zeroed model, after checking its size against `maxFactorValues` (an error naming `factors`).
    static func checked(factors: Int, userCount: Int, itemCount: Int) throws -> FactorModel {
        let values = Double(userCount + itemCount) * Double(factors)
        guard values <= Double(maxFactorValues) else {
            throw RecLabError.config("(users + items) × factors = (\(userCount) + \(itemCount)) × \(factors) is above the limit of \(maxFactorValues) factor values (memory); use fewer factors",
                                     key: "factors")
        }
        return FactorModel(factors: factors, userCount: userCount, itemCount: itemCount)
    }

    init(factors: Int, userCount: Int, itemCount: Int) {
        self.factors = factors; self.userCount = userCount; self.itemCount = itemCount
        userFactors = [Float](repeating: 0, count: userCount * factors)
        itemFactors = [Float](repeating: 0, count: itemCount * factors)
        userBias = [Float](repeating: 0, count: userCount)
        itemBias = [Float](repeating: 0, count: itemCount)
        globalMean = 0
        ratingRange = nil
        coldPrediction = nil
        userSeen = [Bool](repeating: true, count: userCount)
        itemSeen = [Bool](repeating: true, count: itemCount)
    }

    /// Fills factors with N(0, std^2) draws from `rng`: users first, then items, in index order.
    mutating func randomise(std: Float, rng: inout SeededRandom) {
        for k in userFactors.indices { userFactors[k] = Float(rng.nextGaussian()) * std }
        for k in itemFactors.indices { itemFactors[k] = Float(rng.nextGaussian()) * std }
    }

    /// Spark MLlib ALS's initialisation: every user row, then every item row, is a vector of standard
    /// Gaussian draws divided by its Euclidean length (a uniformly random direction of length 1).
    mutating func randomiseUnitRows(rng: inout SeededRandom) {
        func fill(_ m: inout [Float], rows: Int) {
            let k = factors
            for r in 0..<rows {
                var norm: Double = 0
                for f in 0..<k { let g = rng.nextGaussian(); m[r * k + f] = Float(g); norm += g * g }
                let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
                for f in 0..<k { m[r * k + f] *= scale }
            }
        }
        fill(&userFactors, rows: userCount)
        fill(&itemFactors, rows: itemCount)
    }

    /// Zeroes the factors of users and items without training rows, so they fall back to the biases.
    mutating func clearUnseen(_ train: TrainingSet) {
        for u in 0..<userCount where train.byUser.count(ofRow: u) == 0 {
            userSeen[u] = false
            for f in 0..<factors { userFactors[u * factors + f] = 0 }
            userBias[u] = 0
        }
        for i in 0..<itemCount where train.byItem.count(ofRow: i) == 0 {
            itemSeen[i] = false
            for f in 0..<factors { itemFactors[i * factors + f] = 0 }
        }
    }

    /// All item scores for `user` in O(items * factors): biases first, then BLAS `sgemv` over the
    /// item-factor matrix (in single-threaded blocks, see `multiplyRows`). Read-only, so safe to call
    /// from several threads.
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        precondition(scores.count == itemCount, "score buffer must hold one float per item")
        let base = globalMean + userBias[user]
        itemBias.withUnsafeBufferPointer { b in
            for i in 0..<itemCount { scores[i] = base + b[i] }
        }
        guard factors > 0, itemCount > 0 else { return }
        userFactors.withUnsafeBufferPointer { uf in
            itemFactors.withUnsafeBufferPointer { itf in
                DenseLinearAlgebra.multiplyRows(itf.baseAddress!, rows: itemCount, columns: factors,
                                                by: uf.baseAddress! + user * factors, addingInto: scores.baseAddress!)
            }
        }
    }

    /// Scores of a block of users (row-major `users.count × itemCount`): biases first, then one BLAS `sgemm`
    /// adding `P_block · Qᵀ`, which reads the item factors once for the whole block (per-user `sgemv` reads them
    /// once per user: on 87k titles × 64 factors that is 22 MB of memory traffic per user). Call it with BLAS
    /// single-threaded (`BLASThreads.singleThreaded`) from parallel workers. O(users · items · factors).
    func scoreBlock(users: UnsafeBufferPointer<Int32>, into scores: UnsafeMutableBufferPointer<Float>) {
        let b = users.count
        precondition(scores.count == b * itemCount, "score buffer must hold users × items floats")
        guard b > 0, itemCount > 0 else { return }
        itemBias.withUnsafeBufferPointer { c in
            for (r, u) in users.enumerated() {
                let base = globalMean + userBias[Int(u)], row = scores.baseAddress! + r * itemCount
                for i in 0..<itemCount { row[i] = base + c[i] }
            }
        }
        guard factors > 0 else { return }
        var block = [Float](repeating: 0, count: b * factors)
        userFactors.withUnsafeBufferPointer { uf in
            for (r, u) in users.enumerated() {
                for f in 0..<factors { block[r * factors + f] = uf[Int(u) * factors + f] }
            }
        }
        block.withUnsafeBufferPointer { p in
            itemFactors.withUnsafeBufferPointer { q in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(b), Int32(itemCount), Int32(factors), 1,
                            p.baseAddress!, Int32(factors), q.baseAddress!, Int32(factors), 1, scores.baseAddress!, Int32(itemCount))
            }
        }
    }

    /// `mu + b_u + c_i + p_u . q_i` (clipped to the training rating range when known). O(factors).
    func rawScore(user: Int, item: Int) -> Float {
        var s = globalMean + userBias[user] + itemBias[item]
        if factors > 0 {
            s += userFactors.withUnsafeBufferPointer { uf in
                itemFactors.withUnsafeBufferPointer { itf in
                    DenseLinearAlgebra.dot(uf.baseAddress! + user * factors, itf.baseAddress! + item * factors, factors)
                }
            }
        }
        return s
    }

    func predict(user: Int, item: Int) -> Float? {
        guard user >= 0, user < userCount, item >= 0, item < itemCount else { return nil }
        if let cold = coldPrediction, !userSeen[user] || !itemSeen[item] { return cold }
        let s = rawScore(user: user, item: item)
        if let r = ratingRange { return min(max(s, r.lowerBound), r.upperBound) }
        return s
    }

    /// Root mean squared error of the unclipped model on the matrix's entries (a training diagnostic).
    func trainingRMSE(_ m: SparseMatrix) -> Double {
        var sum = 0.0
        for u in 0..<m.rowCount {
            for k in m.range(ofRow: u) {
                let e = Double(m.values[k] - rawScore(user: u, item: Int(m.columns[k])))
                sum += e * e
            }
        }
        return m.nonZeroCount == 0 ? 0 : (sum / Double(m.nonZeroCount)).squareRoot()
    }
}

/// The minimum and maximum value of a training matrix, or nil when it is empty.
func valueRange(_ m: SparseMatrix) -> ClosedRange<Float>? {
    guard let lo = m.values.min(), let hi = m.values.max() else { return nil }
    return lo...hi
}

/// Parameter names and the shared `seed` guard of the factorisation strategies.
enum FactorParameters {
    /// Rejects a training set without any interaction: there is nothing to factorise.
    static func requireData(_ train: TrainingSet, strategy: String) throws {
        guard train.byUser.nonZeroCount > 0 else {
            throw RecLabError.data("strategy '\(strategy)' needs at least one training interaction")
        }
    }
}
