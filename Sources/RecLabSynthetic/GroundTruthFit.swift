import Foundation
import RecLabCore

extension GroundTruth {
    /// Settings of `fit(to:seed:options:)`.
    public struct FitOptions: Sendable {
        /// Latent dimension of the fitted factorisation.
        public var factors = 16
        /// Alternating least squares sweeps (each solves all users, then all items).
        public var iterations = 10
        /// Weighted-lambda regularisation: each user's (item's) ridge penalty is `regularization * count`.
        public var regularization: Float = 0.05
        /// Visit probability of the user with the median interaction count; others scale with their count.
        public var medianVisitProbability: Float = 0.2
        /// Probability of rating a watched title; nil: the dataset's rated share (1 for MovieLens).
        public var rateProbability: Float?
        /// Play and completion parameters (the defaults of generated worlds). The rating parameters
        /// are replaced by the fitted ones.
        public var behaviour: Behaviour = SyntheticGenerator.behaviour(SyntheticConfig())
        /// Running times are not in MovieLens: drawn log-normal around this median (minutes).
        public var durationMinutes: Double = 100

        public init() {}
    }

    /// A **semi-synthetic** ground truth for imported data (`origin == .semiSynthetic`): true affinities
    /// are a biased matrix factorisation `mu + b_u + b_i + <p_u, q_i>` fitted once on all interactions
    /// (ratings; for unrated viewing logs `0.5 + 4.5 * completion`) by alternating least squares with
    /// weighted-lambda regularisation (Zhou et al., "Large-scale parallel collaborative filtering for the
    /// Netflix Prize", AAIM 2008; biases as in Koren, Bell and Volinsky, IEEE Computer 2009), then scaled
    /// so the affinity has unit standard deviation over random (user, item) pairs. Rating parameters come
    /// from the fit (`ratingIntercept = mu`, `ratingSlope` = that scale, `ratingNoise` = training RMSE);
    /// genre affinities are zero (the factors carry taste). Everything else is an assumption, not a
    /// measurement: visit probabilities proportional to each user's interaction count, popularity from
    /// counts (add-one), release dates from the movie's year (1 January; unknown: 10 years before the data),
    /// log-normal running times, and the play/completion parameters of `options.behaviour`.
    /// The timeline covers the data's days; simulations continue after it.
    ///
    /// Deterministic for a dataset, seed and options, whatever the thread count.
    /// Cost: O(iterations * (interactions * factors^2 + (users + items) * factors^3)).
    public static func fit(to dataset: Dataset, seed: UInt64, options: FitOptions = FitOptions()) -> GroundTruth {
        let users = dataset.userCount, items = dataset.itemCount, k = max(1, options.factors)
        let useRatings = dataset.ratingCount > 0
        // Training rows and targets.
        var rowsUsed: [Int32] = []
        var target: [Float] = []
        for r in 0..<dataset.interactionCount {
            let value: Float
            if useRatings {
                guard !dataset.ratings[r].isNaN else { continue }
                value = dataset.ratings[r]
            } else {
                let c = dataset.completion[r]
                value = c.isNaN ? 5 : 0.5 + 4.5 * c
            }
            rowsUsed.append(Int32(r)); target.append(value)
        }
        let m = rowsUsed.count
        let mu: Float = m > 0 ? Float(target.reduce(0.0) { $0 + Double($1) } / Double(m)) : 3
        // By user: rows are already grouped by user in the dataset; by item: counting sort.
        var userStart = [Int](repeating: 0, count: users + 1)
        var itemStart = [Int](repeating: 0, count: items + 1)
        for r in rowsUsed {
            userStart[Int(dataset.users[Int(r)]) + 1] += 1
            itemStart[Int(dataset.items[Int(r)]) + 1] += 1
        }
        for u in 0..<users { userStart[u + 1] += userStart[u] }
        for i in 0..<items { itemStart[i + 1] += itemStart[i] }
        let userItems = rowsUsed.map { dataset.items[Int($0)] }   // in user order (rows are sorted by user)
        var itemUsers = [Int32](repeating: 0, count: m), itemTargets = [Float](repeating: 0, count: m)
        var next = itemStart
        for (j, r) in rowsUsed.enumerated() {
            let i = Int(dataset.items[Int(r)])
            itemUsers[next[i]] = dataset.users[Int(r)]; itemTargets[next[i]] = target[j]; next[i] += 1
        }

        var rng = SeededRandom(seed: seed, stream: "fit-init")
        var P = [Float](repeating: 0, count: users * k), Q = (0..<(items * k)).map { _ in Float(0.1 * rng.nextGaussian()) }
        var bu = [Float](repeating: 0, count: users), bi = [Float](repeating: 0, count: items)
        let lambda = options.regularization

        /// Solves for each entity e the ridge problem over its rows: x = [factors; bias], design rows
        /// [other factors; 1], targets `t - mu - otherBias`.
        func sweep(count: Int, start: [Int], other: [Int32], targets: [Float], otherFactors: [Float], otherBias: [Float],
                   factors: inout [Float], bias: inout [Float]) {
            let d = k + 1
            factors.withUnsafeMutableBufferPointer { F in
            bias.withUnsafeMutableBufferPointer { B in
                let F = F, B = B
                Parallel.forEachChunk(count, minChunk: 32) { range in
                    var A = [Double](repeating: 0, count: d * d), rhs = [Double](repeating: 0, count: d)
                    var x = [Double](repeating: 0, count: d)
                    for e in range {
                        let lo = start[e], hi = start[e + 1]
                        if lo == hi { for f in 0..<k { F[e * k + f] = 0 }; B[e] = 0; continue }
                        for a in 0..<(d * d) { A[a] = 0 }
                        for a in 0..<d { rhs[a] = 0 }
                        for j in lo..<hi {
                            let o = Int(other[j])
                            for f in 0..<k { x[f] = Double(otherFactors[o * k + f]) }
                            x[k] = 1
                            let y = Double(targets[j] - mu - otherBias[o])
                            for a in 0..<d {
                                rhs[a] += x[a] * y
                                for b in 0...a { A[a * d + b] += x[a] * x[b] }
                            }
                        }
                        let reg = Double(lambda) * Double(hi - lo)
                        for a in 0..<d { A[a * d + a] += reg }
                        choleskySolve(&A, &rhs, d)
                        for f in 0..<k { F[e * k + f] = Float(rhs[f]) }
                        B[e] = Float(rhs[k])
                    }
                }
            }}
        }
        let userTargets = target
        for _ in 0..<max(1, options.iterations) {
            sweep(count: users, start: userStart, other: userItems, targets: userTargets, otherFactors: Q, otherBias: bi,
                  factors: &P, bias: &bu)
            sweep(count: items, start: itemStart, other: itemUsers, targets: itemTargets, otherFactors: P, otherBias: bu,
                  factors: &Q, bias: &bi)
        }

        func raw(_ u: Int, _ i: Int) -> Double {
            var dot: Float = 0
            for f in 0..<k { dot += P[u * k + f] * Q[i * k + f] }
            return Double(bu[u] + bi[i] + dot)
        }
        // Training RMSE (the rating noise).
        var sse = 0.0
        for u in 0..<users {
            for j in userStart[u] ..< userStart[u + 1] {
                let e = Double(userTargets[j] - mu) - raw(u, Int(userItems[j])); sse += e * e
            }
        }
        let rmse = m > 0 ? (sse / Double(m)).squareRoot() : 1
        // Scale so affinity has unit sd over random pairs.
        var sampler = SeededRandom(seed: seed, stream: "fit-scale")
        var s1 = 0.0, s2 = 0.0
        let samples = users > 0 && items > 0 ? 20_000 : 0
        for _ in 0..<samples {
            let v = raw(sampler.nextInt(users), sampler.nextInt(items)); s1 += v; s2 += v * v
        }
        var scale = samples > 0 ? ((s2 - s1 * s1 / Double(samples)) / Double(samples - 1)).squareRoot() : 1
        if !(scale > 1e-6) { scale = 1 }
        let fs = Float(1 / scale), rootFs = Float(1 / scale.squareRoot())
        let userFactors = P.map { $0 * rootFs }, itemFactors = Q.map { $0 * rootFs }
        let userBias = bu.map { $0 * fs }, itemBias = bi.map { $0 * fs }

        // Timeline: the data's days.
        let day: Int64 = 86_400
        let minTs = dataset.timestamps.min() ?? 0, maxTs = dataset.timestamps.max() ?? 0
        let start = (minTs >= 0 ? minTs / day : (minTs - day + 1) / day) * day
        let dayCount = Int((maxTs - start) / day) + 1

        // Activity: proportional to interaction counts, median user at the configured probability.
        let counts = (0..<users).map { dataset.userStart[$0 + 1] - dataset.userStart[$0] }
        let median = users > 0 ? max(1, counts.sorted()[users / 2]) : 1
        let visit = counts.map { min(0.95, max(0.005, options.medianVisitProbability * Float($0) / Float(median))) }
        let rated = dataset.interactionCount > 0 ? Float(dataset.ratingCount) / Float(dataset.interactionCount) : 1
        let rate = [Float](repeating: options.rateProbability ?? rated, count: users)

        var itemCounts = [Double](repeating: 1, count: items)
        for i in dataset.items { itemCounts[Int(i)] += 1 }
        let total = itemCounts.reduce(0, +)
        let popularity = itemCounts.map { Float($0 / total) }
        let unknownRelease = start - 10 * 365 * day
        let release = dataset.movies.map { m -> Int64 in
            if let t = m.releaseTimestamp { return t }
            if let y = m.year, (1800...2200).contains(y) { return SyntheticConfig.daysFromCivil(year: y, month: 1, day: 1) * day }
            return unknownRelease
        }
        var durationRng = SeededRandom(seed: seed, stream: "fit-durations")
        let durations = (0..<items).map { _ -> Float in
            let m = options.durationMinutes * Foundation.exp(0.25 * durationRng.nextGaussian())
            return Float((min(360, max(5, m)) * 60).rounded())
        }
        var genreStart: [Int32] = [0], genreList: [Int32] = []
        for g in dataset.itemGenres { genreList.append(contentsOf: g.sorted()); genreStart.append(Int32(genreList.count)) }

        var b = options.behaviour
        b.ratingIntercept = mu
        b.ratingSlope = Float(scale)
        b.ratingNoise = Float(rmse)
        return GroundTruth(
            origin: .semiSynthetic, seed: seed, behaviour: b, startTimestamp: start, dayLength: day, dayCount: dayCount,
            factorCount: k, userPseudonyms: dataset.userKeys, movieIds: dataset.movies.map(\.id), genreNames: dataset.genreNames,
            userFactors: userFactors, userBias: userBias,
            userGenreAffinity: [Float](repeating: 0, count: users * dataset.genreNames.count),
            visitProbabilities: visit, rateProbabilities: rate, itemFactors: itemFactors, itemBias: itemBias,
            itemPopularity: popularity, itemRelease: release, itemDurationSeconds: durations,
            itemGenreStart: genreStart, itemGenreList: genreList)
    }
}

/// Solves `A x = b` in place for a symmetric positive definite `A` (lower triangle used, n x n,
/// row-major) by Cholesky decomposition; the solution replaces `b`. O(n^3).
func choleskySolve(_ A: inout [Double], _ b: inout [Double], _ n: Int) {
    for j in 0..<n {
        var s = A[j * n + j]
        for p in 0..<j { s -= A[j * n + p] * A[j * n + p] }
        let d = s > 1e-12 ? s.squareRoot() : 1e-6
        A[j * n + j] = d
        for i in (j + 1)..<max(j + 1, n) {
            var t = A[i * n + j]
            for p in 0..<j { t -= A[i * n + p] * A[j * n + p] }
            A[i * n + j] = t / d
        }
    }
    // Forward: L y = b; backward: L^T x = y.
    for i in 0..<n {
        var t = b[i]
        for p in 0..<i { t -= A[i * n + p] * b[p] }
        b[i] = t / A[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        var t = b[i]
        for p in (i + 1)..<max(i + 1, n) { t -= A[p * n + i] * b[p] }
        b[i] = t / A[i * n + i]
    }
}
