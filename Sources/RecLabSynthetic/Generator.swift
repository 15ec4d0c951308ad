import Foundation
import RecLabCore

/// Draws a synthetic world (`GroundTruth`) and its viewing logs from a `SyntheticConfig`.
///
/// 1. Catalogue (one random stream): genres from a MovieLens-like frequency table; per-genre latent
///    directions; title factors that follow their genres (`genre_coupling`) plus noise; quality;
///    Zipf popularity by a rank correlated with quality; release dates (back catalogue over
///    `catalogue.years`, a `recent_share` released during the log); log-normal running times.
/// 2. Users (one stream each, `SeededRandom(seed:stream: n)` for external id `synthetic-n`, in parallel):
///    latent factors, enthusiasm, genre tastes, a log-normal visit probability (long-tailed activity)
///    and rate probability. Then day by day: the user visits with their visit probability (days between
///    visits are geometric); a visit browses Poisson(`browse`) titles drawn from recent releases, their
///    favourite genres or overall popularity; each released, not yet watched title is started with
///    `GroundTruth.playProbability`, watched per `sampleWatch`, and rated with the user's rate probability.
///    A user starts a title at most once. Events within a visit follow each other in time.
///
/// The result depends only on the config and the seed: never on thread count or chunking, because
/// each user's events come from that user's own stream and are concatenated in user order.
/// Cost: O(users * days * visit probability * browse * factors).
public enum SyntheticGenerator {
    /// Pseudonym key for generated users: fixed, so worlds are reproducible and look like imported data.
    public static let pseudonymKey = "reclab-synthetic-generator-v1"

    /// Genres and their relative frequency (roughly MovieLens's).
    static let genreFrequencies: [(String, Double)] = [
        ("Action", 0.08), ("Adventure", 0.05), ("Animation", 0.02), ("Children", 0.03), ("Comedy", 0.18),
        ("Crime", 0.05), ("Documentary", 0.03), ("Drama", 0.25), ("Fantasy", 0.03), ("Film-Noir", 0.01),
        ("Horror", 0.05), ("Musical", 0.02), ("Mystery", 0.03), ("Romance", 0.07), ("Sci-Fi", 0.04),
        ("Thriller", 0.08), ("War", 0.02), ("Western", 0.01),
    ]

    /// Relative visit intensity by hour of day (UTC), peaking in the evening.
    static let hourWeights: [Double] = [2, 1, 0.5, 0.3, 0.2, 0.2, 0.4, 0.8, 1, 1, 1.2, 1.4,
                                        1.6, 1.6, 1.5, 1.6, 1.9, 2.4, 3.2, 4.2, 5, 5, 4.2, 3]

    /// Generates the dataset, with the ground truth as artifact `GroundTruth.artifactName`.
    public static func generate(_ config: SyntheticConfig, seed: UInt64, progress: ProgressReporter? = nil) -> DatasetContent {
        let (world, interactions) = simulate(config, seed: seed, progress: progress)
        let movies = (0..<world.catalogue.count).map { i in
            MovieRecord(id: Int64(i + 1), title: world.catalogue.titles[i], year: SyntheticConfig.year(of: world.truth.itemRelease[i]),
                        genres: world.truth.genreNames(item: i), releaseTimestamp: world.truth.itemRelease[i])
        }
        let users = world.truth.userPseudonyms.enumerated().map { UserRecord(id: Int64($0.offset + 1), pseudonym: $0.element) }
        return DatasetContent(
            name: config.name,
            source: "reclab generate: \(config.name) seed=\(seed) \(config.summary)",
            movies: movies, users: users, interactions: interactions,
            artifacts: [GroundTruth.artifactName: world.truth.encoded()])
    }

    /// Only the world (no logs): the ground truth the generator would use.
    public static func groundTruth(_ config: SyntheticConfig, seed: UInt64) -> GroundTruth {
        var noEvents = config
        noEvents.visitProbability = 0
        return simulate(noEvents, seed: seed, progress: nil).0.truth
    }

    struct Catalogue {
        var count: Int
        var titles: [String]
        var genreNames: [String]
        var genreFrequency: [Double]
        var itemFactors: [Float]
        var itemBias: [Float]
        var popularity: [Float]
        var release: [Int64]
        var duration: [Float]
        var genreStart: [Int32]
        var genreList: [Int32]
    }

    struct World {
        var catalogue: Catalogue
        var truth: GroundTruth
    }

    static func behaviour(_ c: SyntheticConfig) -> GroundTruth.Behaviour {
        GroundTruth.Behaviour(
            playBias: Float(c.playBias), playAffinityWeight: Float(c.playAffinityWeight),
            playPopularityWeight: Float(c.playPopularityWeight), noveltyWeight: Float(c.noveltyWeight),
            noveltyDays: Float(c.noveltyDays), completionBias: Float(c.completionBias),
            completionSlope: Float(c.completionSlope), ratingIntercept: Float(c.ratingMean),
            ratingSlope: Float(c.ratingSlope), ratingNoise: Float(c.ratingNoise))
    }

    // MARK: Catalogue

    static func makeCatalogue(_ c: SyntheticConfig, seed: UInt64) -> Catalogue {
        var rng = SeededRandom(seed: seed, stream: "catalogue")
        let k = c.factors, n = c.movies
        let allGenres = genreFrequencies
        let genreAlias = AliasTable(weights: allGenres.map(\.1))
        let genreVectors = (0..<allGenres.count).map { _ in (0..<k).map { _ in Float(rng.nextGaussian()) } }

        // Genres per title: 1 + min(2, Poisson(0.7)) distinct ones.
        var chosen = [[Int]](repeating: [], count: n)
        for i in 0..<n {
            let want = 1 + min(2, rng.nextPoisson(mean: 0.7))
            var g: [Int] = []
            var tries = 0
            while g.count < want && tries < 20 {
                let x = genreAlias.sample(&rng)
                if !g.contains(x) { g.append(x) }
                tries += 1
            }
            chosen[i] = g.sorted()
        }
        // Keep only the genres in use, so indices match `Dataset.genreNames` (sorted names of used genres).
        let used = Set(chosen.flatMap { $0 })
        let usedSorted = used.sorted { allGenres[$0].0 < allGenres[$1].0 }
        var remap = [Int](repeating: -1, count: allGenres.count)
        for (j, g) in usedSorted.enumerated() { remap[g] = j }
        var genreStart: [Int32] = [0], genreList: [Int32] = []
        for i in 0..<n {
            genreList.append(contentsOf: chosen[i].map { Int32(remap[$0]) }.sorted())
            genreStart.append(Int32(genreList.count))
        }

        // Title factors: genre direction (scaled to unit variance) blended with noise, then scaled so
        // that <P_u, Q_i> has standard deviation `taste.scale` for P_u ~ N(0, I).
        let coupling = Float(c.genreCoupling), noise = (1 - coupling * coupling).squareRoot()
        let scale = Float(c.tasteScale) / Float(k).squareRoot()
        var itemFactors = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let g = chosen[i]
            let norm = Float(g.count).squareRoot() / Float(g.count)
            for f in 0..<k {
                var mean: Float = 0
                for x in g { mean += genreVectors[x][f] }
                itemFactors[i * k + f] = scale * (coupling * mean * norm + noise * Float(rng.nextGaussian()))
            }
        }
        let itemBias = (0..<n).map { _ in Float(c.qualityScale * rng.nextGaussian()) }

        // Popularity rank by a key correlated with quality; Zipf weights by rank.
        let rho = c.popularityQuality, rest = (1 - rho * rho).squareRoot()
        let qualitySD = max(c.qualityScale, 1e-9)
        let key = (0..<n).map { i in rho * Double(itemBias[i]) / qualitySD + rest * rng.nextGaussian() }
        let byRank = (0..<n).sorted { key[$0] != key[$1] ? key[$0] > key[$1] : $0 < $1 }
        var popularity = [Float](repeating: 0, count: n)
        var weights = [Double](repeating: 0, count: n)
        for (r, i) in byRank.enumerated() { weights[i] = Foundation.pow(Double(r + 1), -c.popularityExponent) }
        let total = weights.reduce(0, +)
        for i in 0..<n { popularity[i] = Float(weights[i] / total) }

        // Releases: back catalogue before the start, a recent share during the log.
        let start = c.startTimestamp
        let backSpan = c.catalogueYears * 365.25 * 86_400
        var release = [Int64](repeating: 0, count: n)
        for i in 0..<n {
            if rng.nextDouble() < c.recentShare {
                release[i] = start + Int64(rng.nextDouble() * Double(c.days) * 86_400)
            } else {
                release[i] = start - 1 - Int64(rng.nextDouble() * backSpan)
            }
        }
        let duration = (0..<n).map { _ -> Float in
            let m = c.durationMinutes * Foundation.exp(c.durationSpread * rng.nextGaussian())
            return Float((min(360, max(5, m)) * 60).rounded())
        }
        var titleRng = SeededRandom(seed: seed, stream: "titles")
        let titles = (0..<n).map { _ in TitleMaker.title(&titleRng) }
        return Catalogue(count: n, titles: titles, genreNames: usedSorted.map { allGenres[$0].0 },
                         genreFrequency: usedSorted.map { allGenres[$0].1 }, itemFactors: itemFactors, itemBias: itemBias,
                         popularity: popularity, release: release, duration: duration,
                         genreStart: genreStart, genreList: genreList)
    }

    // MARK: Users and events

    static func simulate(_ c: SyntheticConfig, seed: UInt64, progress: ProgressReporter?) -> (World, [InteractionRecord]) {
        let cat = makeCatalogue(c, seed: seed)
        let k = c.factors, g = cat.genreNames.count, n = cat.count, userCount = c.users
        let b = behaviour(c)

        // Pseudonyms for external ids synthetic-1 ... synthetic-N; dense order is pseudonym order.
        let pseudonymizer = Pseudonymizer(key: pseudonymKey)
        var external = [String](repeating: "", count: userCount)
        external.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEachChunk(userCount, minChunk: 512) { r in
                for x in r { out[x] = pseudonymizer.pseudonym(for: "synthetic-\(x + 1)") }
            }
        }
        let order = (0..<userCount).sorted { external[$0] < external[$1] }
        let pseudonyms = order.map { external[$0] }

        // Samplers shared by all users (read-only).
        let popularityAlias = AliasTable(weights: cat.popularity.map(Double.init))
        var genreItems = [[Int32]](repeating: [], count: g)
        for i in 0..<n {
            for j in Int(cat.genreStart[i]) ..< Int(cat.genreStart[i + 1]) { genreItems[Int(cat.genreList[j])].append(Int32(i)) }
        }
        // Every kept genre has at least one title (unused genres were dropped).
        let genreItemAlias = genreItems.map { items in AliasTable(weights: items.map { Double(cat.popularity[Int($0)]) }) }
        let byRelease = (0..<n).sorted { cat.release[$0] != cat.release[$1] ? cat.release[$0] < cat.release[$1] : $0 < $1 }
        let sortedRelease = byRelease.map { cat.release[$0] }
        let hourAlias = AliasTable(weights: hourWeights)
        let start = c.startTimestamp, dayLength: Int64 = 86_400
        let recentWindow = Int64(3 * c.noveltyDays * 86_400)

        // Hot read-only data as raw buffers (no bounds checks in the inner loop).
        let Q = UnsafeBuffer(cat.itemFactors), IB = UnsafeBuffer(cat.itemBias)
        let GS = UnsafeBuffer(cat.genreStart), GL = UnsafeBuffer(cat.genreList)
        let REL = UnsafeBuffer(cat.release), DUR = UnsafeBuffer(cat.duration)
        let LIFT = UnsafeBuffer(cat.popularity.map { GroundTruth.popularityLift($0, itemCount: n) })
        // Per-user state, written by exactly one worker each.
        let P = UnsafeBuffer([Float](repeating: 0, count: userCount * k))
        let UB = UnsafeBuffer([Float](repeating: 0, count: userCount))
        let G = UnsafeBuffer([Float](repeating: 0, count: userCount * g))
        let V = UnsafeBuffer([Float](repeating: 0, count: userCount))
        let R = UnsafeBuffer([Float](repeating: 0, count: userCount))
        defer { for x in [Q, IB, DUR, LIFT, P, UB, G, V, R] { x.free() }; GS.free(); GL.free(); REL.free() }
        let kernel = AffinityKernel(factorCount: k, genreCount: g, userFactors: P.read, userBias: UB.read,
                                    userGenre: G.read, itemFactors: Q.read, itemBias: IB.read,
                                    genreStart: GS.read, genreList: GL.read)

        var pieces: [(Int, [InteractionRecord])] = []
        let lock = NSLock()
        let visitSigma = c.activitySpread, rateSigma = 0.75
        let newShare = c.newReleaseShare, genreCut = c.newReleaseShare + c.genreShare

        Parallel.forEachChunk(userCount, minChunk: 64) { range in
            var events: [InteractionRecord] = []
            var seen = [UInt64](repeating: 0, count: (n + 63) / 64)
            var played: [Int32] = []
            var genreWeights = [Double](repeating: 0, count: g)
            for u in range {
                var rng = SeededRandom(seed: seed, stream: UInt64(order[u] + 1))
                // The user's latent state.
                for f in 0..<k { P.buffer[u * k + f] = Float(rng.nextGaussian()) }
                UB.buffer[u] = Float(c.userBiasScale * rng.nextGaussian())
                for j in 0..<g { G.buffer[u * g + j] = Float(c.genreAffinity * rng.nextGaussian()) }
                let visitP = min(c.maxVisitProbability,
                                 c.visitProbability * Foundation.exp(visitSigma * rng.nextGaussian() - visitSigma * visitSigma / 2))
                V.buffer[u] = Float(visitP)
                let rateP = Float(min(1, c.rateProbability * Foundation.exp(rateSigma * rng.nextGaussian() - rateSigma * rateSigma / 2)))
                R.buffer[u] = rateP
                let userVisit = Double(V.buffer[u])
                guard userVisit > 0, n > 0 else { continue }

                // Favourite genres: frequency times exp(3 * taste).
                for j in 0..<g { genreWeights[j] = cat.genreFrequency[j] * Foundation.exp(3 * Double(G.buffer[u * g + j])) }
                let genreAlias = AliasTable(weights: genreWeights)
                let logStay = Foundation.log(1 - min(userVisit, 0.999_999))

                var day = -1
                while true {
                    // Days between visits are geometric with the user's visit probability.
                    day += 1
                    if userVisit < 1 { day += Int(Foundation.log(1 - rng.nextDouble()) / logStay) }
                    if day >= c.days { break }
                    let dayStart = start + Int64(day) * dayLength, dayEnd = dayStart + dayLength
                    var t = dayStart + Int64(hourAlias.sample(&rng)) * 3_600 + Int64(rng.nextInt(3_600))
                    // Titles released within the recent window and by the end of today.
                    let recentLo = lowerBound(sortedRelease, dayStart - recentWindow)
                    let recentHi = lowerBound(sortedRelease, dayEnd)
                    let looks = max(1, rng.nextPoisson(mean: c.browse))
                    var plays = 0
                    for _ in 0..<looks {
                        let source = rng.nextDouble()
                        let item: Int
                        if source < newShare && recentHi > recentLo {
                            item = byRelease[recentLo + rng.nextInt(recentHi - recentLo)]
                        } else if source < genreCut && g > 0 {
                            let genre = genreAlias.sample(&rng)
                            item = Int(genreItems[genre][genreItemAlias[genre].sample(&rng)])
                        } else {
                            item = popularityAlias.sample(&rng)
                        }
                        if seen[item >> 6] & (1 << UInt64(item & 63)) != 0 { continue }
                        if REL.buffer[item] >= dayEnd { continue }  // not released yet
                        let a = kernel.affinity(user: u, item: item)
                        let age = Float(Double(dayStart - REL.buffer[item]) / Double(dayLength))
                        let p = GroundTruth.playProbability(b, affinity: a, popularityLift: LIFT.buffer[item], ageDays: age)
                        guard rng.nextFloat() < p else { continue }
                        seen[item >> 6] |= 1 << UInt64(item & 63)
                        played.append(Int32(item))
                        let completion = GroundTruth.sampleCompletion(finish: GroundTruth.finishProbability(b, affinity: a), rng: &rng)
                        let seconds = completion * DUR.buffer[item]
                        var rating: Float?
                        if rng.nextFloat() < rateP { rating = GroundTruth.sampleRatingValue(b, affinity: a, rng: &rng) }
                        events.append(InteractionRecord(userId: Int64(u + 1), movieId: Int64(item + 1), timestamp: t,
                                                        rating: rating, watchSeconds: seconds, completion: completion))
                        // The next title starts after this one plus a short pause.
                        t += Int64(seconds) + 30 + Int64(rng.nextInt(300))
                        plays += 1
                        if plays >= c.maxPlays { break }
                    }
                }
                for i in played { seen[Int(i) >> 6] = 0 }
                played.removeAll(keepingCapacity: true)
            }
            lock.lock(); pieces.append((range.lowerBound, events)); lock.unlock()
            progress?.advance(by: range.count)
        }

        pieces.sort { $0.0 < $1.0 }
        var interactions: [InteractionRecord] = []
        interactions.reserveCapacity(pieces.reduce(0) { $0 + $1.1.count })
        for p in pieces { interactions.append(contentsOf: p.1) }

        let truth = GroundTruth(
            origin: .synthetic, seed: seed, behaviour: b, startTimestamp: start, dayLength: dayLength, dayCount: c.days,
            factorCount: k, userPseudonyms: pseudonyms, movieIds: (0..<n).map { Int64($0 + 1) }, genreNames: cat.genreNames,
            userFactors: Array(P.buffer), userBias: Array(UB.buffer), userGenreAffinity: Array(G.buffer),
            visitProbabilities: Array(V.buffer), rateProbabilities: Array(R.buffer), itemFactors: cat.itemFactors,
            itemBias: cat.itemBias, itemPopularity: cat.popularity, itemRelease: cat.release,
            itemDurationSeconds: cat.duration, itemGenreStart: cat.genreStart, itemGenreList: cat.genreList)
        return (World(catalogue: cat, truth: truth), interactions)
    }
}

/// First index whose value is >= x in an ascending array. O(log n).
@inline(__always)
func lowerBound(_ a: [Int64], _ x: Int64) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) >> 1
        if a[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// An array copied into manually managed memory, so parallel workers can write disjoint parts and
/// hot loops read without bounds checks. Freed explicitly by its owner.
struct UnsafeBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>

    init(_ array: [T]) {
        buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
    }

    var read: UnsafeBufferPointer<T> { UnsafeBufferPointer(buffer) }

    func free() {
        buffer.deinitialize()
        buffer.deallocate()
    }
}

/// The affinity formula over raw buffers; `GroundTruth.affinity` evaluates the same expression in the
/// same order, so generator and model agree to the bit.
struct AffinityKernel: @unchecked Sendable {
    let factorCount: Int
    let genreCount: Int
    let userFactors: UnsafeBufferPointer<Float>
    let userBias: UnsafeBufferPointer<Float>
    let userGenre: UnsafeBufferPointer<Float>
    let itemFactors: UnsafeBufferPointer<Float>
    let itemBias: UnsafeBufferPointer<Float>
    let genreStart: UnsafeBufferPointer<Int32>
    let genreList: UnsafeBufferPointer<Int32>

    @inline(__always)
    func affinity(user: Int, item: Int) -> Float {
        let k = factorCount
        var dot: Float = 0
        let pu = user * k, qi = item * k
        for f in 0..<k { dot += userFactors[pu + f] * itemFactors[qi + f] }
        let lo = Int(genreStart[item]), hi = Int(genreStart[item + 1])
        var genre: Float = 0
        if hi > lo {
            let gu = user * genreCount
            for j in lo..<hi { genre += userGenre[gu + Int(genreList[j])] }
            genre /= Float(hi - lo)
        }
        return userBias[user] + itemBias[item] + dot + genre
    }
}
