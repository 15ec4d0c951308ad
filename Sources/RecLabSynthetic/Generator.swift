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
        var codes = [UInt64](repeating: 0, count: userCount)
        codes.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEachChunk(userCount, minChunk: 512) { r in
                for x in r { out[x] = pseudonymizer.code(for: "synthetic-\(x + 1)") }
            }
        }
        // Sorted (code, user) pairs: codes order as the pseudonyms do and compare far faster than strings;
        // equal codes (equal pseudonyms) keep user order, as the stable sort on pseudonyms did.
        let byCode = codes.enumerated().map { ($0.element, $0.offset) }.sorted { $0 < $1 }
        let order = byCode.map(\.1)
        var pseudonyms = [String](repeating: "", count: userCount)
        pseudonyms.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEachChunk(userCount, minChunk: 4096) { r in
                for x in r { out[x] = Pseudonymizer.pseudonym(code: byCode[x].0) }
            }
        }

        // Samplers shared by all users (read-only).
        let popularityAlias = FlatAlias(weights: cat.popularity.map(Double.init))
        var genreItems = [[Int32]](repeating: [], count: g)
        for i in 0..<n {
            for j in Int(cat.genreStart[i]) ..< Int(cat.genreStart[i + 1]) { genreItems[Int(cat.genreList[j])].append(Int32(i)) }
        }
        // Every kept genre has at least one title (unused genres were dropped). One flat alias table per
        // genre, concatenated, so the inner loop touches no nested arrays.
        let genreOffsets = UnsafeBuffer(genreItems.reduce(into: [0]) { $0.append($0.last! + $1.count) })
        let genreItemsFlat = UnsafeBuffer(genreItems.flatMap { $0 })
        let genreItemAlias = FlatAlias(concatenating: genreItems.map { items in items.map { Double(cat.popularity[Int($0)]) } })
        let byRelease = (0..<n).sorted { cat.release[$0] != cat.release[$1] ? cat.release[$0] < cat.release[$1] : $0 < $1 }
        let sortedRelease = byRelease.map { cat.release[$0] }
        let hourAlias = AliasTable(weights: hourWeights)
        let start = c.startTimestamp, dayLength: Int64 = 86_400
        let recentWindow = Int64(3 * c.noveltyDays * 86_400)
        // Poisson(browse) by inversion of a tabulated CDF: one uniform per visit instead of ~browse of them.
        var browseCDF: [Double] = []
        do {
            var term = Foundation.exp(-c.browse), total = term, k = 0.0
            browseCDF.append(total)
            while total < 1 - 1e-12 && browseCDF.count < 10_000 {
                k += 1; term *= c.browse / k; total += term
                browseCDF.append(total)
            }
        }

        // Hot per-item data packed into one 128-byte-aligned record per title, so a look at a title touches
        // two cache lines instead of one in each of eight arrays: line A holds the factors (up to 16),
        // line B release day, novelty-end day, quality, popularity lift and genres. Small integers are
        // stored as exact Floats.
        let maxGenres = 3
        let factorSlots = (k + 15) / 16 * 16
        let stride = factorSlots + 16
        let slotRelease = factorSlots, slotNoveltyEnd = factorSlots + 1, slotBias = factorSlots + 2
        let slotLift = factorSlots + 3, slotGenreCount = factorSlots + 4, slotGenres = factorSlots + 5
        let ITEM = AlignedFloats(count: n * stride)
        for i in 0..<n {
            let rec = ITEM.base + i * stride
            for f in 0..<k { rec[f] = cat.itemFactors[i * k + f] }
            rec[slotBias] = cat.itemBias[i]
            rec[slotLift] = GroundTruth.popularityLift(cat.popularity[i], itemCount: n)
            let lo = Int(cat.genreStart[i]), hi = Int(cat.genreStart[i + 1])
            precondition(hi - lo <= maxGenres)
            rec[slotGenreCount] = Float(hi - lo)
            for j in lo..<hi { rec[slotGenres + j - lo] = Float(cat.genreList[j]) }
            // Released on day floor((release - start) / dayLength) (GroundTruth.isReleased).
            let offset = cat.release[i] - start
            let releaseDay = offset >= 0 ? offset / dayLength : -((-offset + dayLength - 1) / dayLength)
            rec[slotRelease] = Float(releaseDay)
            // After this day the novelty term is certainly past its cut-off (40 e-foldings).
            rec[slotNoveltyEnd] = Float(releaseDay + Int64((40 * c.noveltyDays).rounded(.up)) + 2)
        }
        let REL = UnsafeBuffer(cat.release), DUR = UnsafeBuffer(cat.duration)
        // Per day, the titles released within the recent window and by the end of the day, as a range
        // of `byRelease`: looked up per visit instead of two binary searches.
        let recentLoByDay = UnsafeBuffer((0..<c.days).map { day in
            lowerBound(sortedRelease, start + Int64(day) * dayLength - recentWindow)
        })
        let recentHiByDay = UnsafeBuffer((0..<c.days).map { day in
            lowerBound(sortedRelease, start + Int64(day) * dayLength + dayLength)
        })
        // Per-user state, written by exactly one worker each.
        let P = UnsafeBuffer([Float](repeating: 0, count: userCount * k))
        let UB = UnsafeBuffer([Float](repeating: 0, count: userCount))
        let G = UnsafeBuffer([Float](repeating: 0, count: userCount * g))
        let V = UnsafeBuffer([Float](repeating: 0, count: userCount))
        let R = UnsafeBuffer([Float](repeating: 0, count: userCount))
        // User dynamics (UserDynamics): each user's satisfaction and churn at the end of the history.
        let dyn = c.dynamics
        let SAT = UnsafeBuffer([Float](repeating: 0, count: dyn.isOn ? userCount : 0))
        let CHURN = UnsafeBuffer([Int32](repeating: 0, count: dyn.isOn ? userCount : 0))
        let BYREL = UnsafeBuffer(byRelease)
        defer {
            for x in [DUR, P, UB, G, V, R, SAT] { x.free() }
            CHURN.free()
            ITEM.free()
            REL.free(); BYREL.free(); recentLoByDay.free(); recentHiByDay.free(); genreOffsets.free(); genreItemsFlat.free()
            popularityAlias.free(); genreItemAlias.free()
        }

        var pieces: [(Int, [InteractionRecord])] = []
        let lock = NSLock()
        let visitSigma = c.activitySpread, rateSigma = 0.75
        let newShare = c.newReleaseShare, genreCut = c.newReleaseShare + c.genreShare

        Parallel.forEachChunk(userCount, minChunk: 64) { range in
            var events: [InteractionRecord] = []
            // About 2.5 plays per visit; reserving avoids most regrowth copies.
            events.reserveCapacity(Int(Double(range.count * c.days) * c.visitProbability * 2.5))
            var genreCumulative = [Double](repeating: 0, count: g)
            // Per-visit scratch, sized for the most looks a visit can have.
            let maxLooks = max(1, browseCDF.count - 1)
            let candidates = UnsafeMutableBufferPointer<Int>.allocate(capacity: maxLooks)
            let released = UnsafeMutableBufferPointer<Bool>.allocate(capacity: maxLooks)
            let affinity = UnsafeMutableBufferPointer<Float>.allocate(capacity: maxLooks)
            let playP = UnsafeMutableBufferPointer<Float>.allocate(capacity: maxLooks)
            let releaseDay = UnsafeMutableBufferPointer<Float>.allocate(capacity: maxLooks)
            let firstFactor = UnsafeMutableBufferPointer<Float>.allocate(capacity: maxLooks)
            defer {
                candidates.deallocate(); released.deallocate(); affinity.deallocate(); playP.deallocate()
                releaseDay.deallocate(); firstFactor.deallocate()
            }
            let seen = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: (n + 63) / 64)
            seen.initialize(repeating: 0)
            defer { seen.deallocate() }
            var played: [Int32] = []
            // Dynamics state of the current user (reset per user).
            var fatigue = FatigueState()
            var exposure = [Float](repeating: 0, count: g)
            var completions: [Double] = []
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
                // Cumulative weights: a linear scan over a handful of genres beats building an alias table per user.
                var acc = 0.0
                for j in 0..<g { acc += genreWeights[j]; genreCumulative[j] = acc }
                let genreTotal = acc
                let logStay = Foundation.log(1 - min(userVisit, 0.999_999))
                let userP = P.buffer.baseAddress! + u * k, userG = G.buffer.baseAddress! + u * g, userBias = UB.buffer[u]
                var satisfaction = 0.0, churned = false
                if dyn.isOn {
                    fatigue.entries.removeAll(keepingCapacity: true)
                    for j in 0..<g { exposure[j] = 0 }
                }

                var day = -1
                while true {
                    day += 1
                    if dyn.hasSatisfaction {
                        // Visit probability moves with satisfaction: one draw per day (no geometric skip).
                        if churned { break }
                        let p = dyn.visitProbability(base: userVisit, satisfaction: satisfaction)
                        while day < c.days && rng.nextDouble() >= p { day += 1 }
                    } else if userVisit < 1 {
                        // Days between visits are geometric with the user's visit probability.
                        day += Int(Foundation.log(1 - rng.nextDouble()) / logStay)
                    }
                    if day >= c.days { break }
                    let dayStart = start + Int64(day) * dayLength
                    var t = dayStart + Int64(hourAlias.sample(&rng)) * 3_600 + Int64(rng.nextInt(3_600))
                    let recentLo = recentLoByDay.buffer[day], recentHi = recentHiByDay.buffer[day]
                    let u01 = rng.nextDouble()
                    var looks = 0
                    while looks < browseCDF.count - 1 && browseCDF[looks] <= u01 { looks += 1 }
                    looks = max(1, looks)
                    var plays = 0
                    // Phase 1: draw every title looked at during the visit.
                    for j in 0..<looks {
                        // One 64-bit draw gives the source (top 16 bits), an index (middle 32 bits, scaled
                        // by multiply-shift) and the alias coin (low 16 bits): a third of the generator calls.
                        let r = rng.next()
                        let source = Double(r >> 48) * 0x1p-16
                        let index = (r >> 16) & 0xFFFF_FFFF, coin = Float(r & 0xFFFF) * 0x1p-16
                        let item: Int
                        if source < newShare && recentHi > recentLo {
                            item = BYREL.buffer[recentLo + Int((index &* UInt64(recentHi - recentLo)) >> 32)]
                        } else if source < genreCut && g > 0 {
                            let x = Double(index) * 0x1p-32 * genreTotal
                            var genre = 0
                            while genre < g - 1 && genreCumulative[genre] <= x { genre += 1 }
                            let lo = genreOffsets.buffer[genre]
                            item = Int(genreItemsFlat.buffer[genreItemAlias.sample(rng.next(), offset: lo, count: genreOffsets.buffer[genre + 1] - lo)])
                        } else {
                            item = popularityAlias.sample(index: index, coin: coin, offset: 0, count: n)
                        }
                        candidates[j] = item
                        // Start both record lines loading now: the draws that follow do not wait for them.
                        let rec = ITEM.base + item * stride
                        releaseDay[j] = rec[slotRelease]
                        firstFactor[j] = rec[0]
                    }
                    // Phase 2: affinity and play probability of every released candidate. Pure (no random
                    // draws), so it can run ahead of the in-order phase 3: iterations are independent, and the
                    // CPU overlaps their record loads, dot-product chains and exponentials.
                    for j in 0..<looks {
                        let item = candidates[j]
                        let rec = ITEM.base + item * stride
                        released[j] = Float(day) >= releaseDay[j]
                        // A title watched before this visit is skipped in phase 3 whatever its odds
                        // (`seen` only grows), so its affinity is not needed.
                        guard released[j], seen[item >> 6] & (1 << UInt64(item & 63)) == 0 else { continue }
                        // Affinity: the same expression, in the same order, as GroundTruth.affinity.
                        var dot: Float = 0
                        dot += userP[0] * firstFactor[j]
                        for f in 1..<max(1, k) { dot += userP[f] * rec[f] }
                        let genreCount = Int(rec[slotGenreCount])
                        var genre: Float = 0
                        if genreCount > 0 {
                            for j in 0..<genreCount { genre += userG[Int(rec[slotGenres + j])] }
                            genre /= Float(genreCount)
                        }
                        let a = userBias + rec[slotBias] + dot + genre
                        let age = Float(day) > rec[slotNoveltyEnd] ? Float.infinity
                            : Float(Double(dayStart - REL.buffer[item]) / Double(dayLength))
                        affinity[j] = a
                        playP[j] = GroundTruth.playProbability(b, affinity: a, popularityLift: rec[slotLift], ageDays: age)
                        if dyn.hasFatigue || dyn.hasNovelty {
                            // Fatigue from earlier unplayed looks, novelty of the title's genres (before this visit).
                            var shift = -dyn.fatigueStrength * fatigue.count(Int32(item), day: day, dynamics: dyn)
                            if dyn.hasNovelty && genreCount > 0 {
                                shift += dyn.noveltyBoost(exposures: (0..<genreCount).map { exposure[Int(rec[slotGenres + $0])] })
                            }
                            playP[j] = Float(UserDynamics.shifted(Double(playP[j]), by: shift))
                        }
                    }
                    // Phase 3: play, watch and rate in order.
                    completions.removeAll(keepingCapacity: true)
                    var looked = looks
                    for j in 0..<looks {
                        let item = candidates[j]
                        if seen[item >> 6] & (1 << UInt64(item & 63)) != 0 { continue }
                        guard released[j] else { continue }
                        let a = affinity[j], p = playP[j]
                        guard rng.nextFloat() < p else {
                            if dyn.hasFatigue { fatigue.raise(Int32(item), day: day, dynamics: dyn) }
                            continue
                        }
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
                        if dyn.isOn { completions.append(Double(completion)) }
                        if plays >= c.maxPlays { looked = j + 1; break }
                    }
                    if dyn.isOn {
                        if dyn.hasNovelty {
                            for j in 0..<looked {
                                let rec = ITEM.base + candidates[j] * stride
                                for x in 0..<Int(rec[slotGenreCount]) { exposure[Int(rec[slotGenres + x])] += 1 }
                            }
                        }
                        if dyn.hasSatisfaction {
                            satisfaction = dyn.satisfaction(after: satisfaction, outcome: UserDynamics.visitOutcome(completions: completions))
                            if dyn.churnHazard > 0 && rng.nextDouble() < dyn.churnProbability(satisfaction: satisfaction) { churned = true }
                        }
                    }
                }
                if dyn.isOn { SAT.buffer[u] = Float(satisfaction); CHURN.buffer[u] = churned ? 1 : 0 }
                for i in played { seen[Int(i) >> 6] = 0 }
                played.removeAll(keepingCapacity: true)
            }
            lock.lock(); pieces.append((range.lowerBound, events)); lock.unlock()
            progress?.advance(by: range.count)
        }

        pieces.sort { $0.0 < $1.0 }
        var ordered = pieces.map(\.1)
        pieces = []
        let interactions = concatenate(&ordered)

        var truth = GroundTruth(
            origin: .synthetic, seed: seed, behaviour: b, startTimestamp: start, dayLength: dayLength, dayCount: c.days,
            factorCount: k, userPseudonyms: pseudonyms, movieIds: (0..<n).map { Int64($0 + 1) }, genreNames: cat.genreNames,
            userFactors: Array(P.buffer), userBias: Array(UB.buffer), userGenreAffinity: Array(G.buffer),
            visitProbabilities: Array(V.buffer), rateProbabilities: Array(R.buffer), itemFactors: cat.itemFactors,
            itemBias: cat.itemBias, itemPopularity: cat.popularity, itemRelease: cat.release,
            itemDurationSeconds: cat.duration, itemGenreStart: cat.genreStart, itemGenreList: cat.genreList)
        if dyn.isOn { truth.dynamics = dyn; truth.finalSatisfaction = Array(SAT.buffer); truth.churned = Array(CHURN.buffer) }
        return (World(catalogue: cat, truth: truth), interactions)
    }
}

/// The pieces joined in order, emptying `pieces`. The copy (about 1 GB for the large world, with the
/// first-touch page faults on the destination) runs in parallel, one piece per task; each piece is
/// released once copied, so peak memory stays near one copy of the log plus the pieces in flight.
func concatenate(_ pieces: inout [[InteractionRecord]]) -> [InteractionRecord] {
    var offsets = [0]
    for p in pieces { offsets.append(offsets.last! + p.count) }
    let total = offsets.last!
    return pieces.withUnsafeMutableBufferPointer { source in
        let source = source
        return [InteractionRecord](unsafeUninitializedCapacity: total) { out, count in
            let out = out
            // Each task touches only its own pieces and its own part of `out`.
            Parallel.forEachChunk(source.count, minChunk: 1) { r in
                for p in r {
                    source[p].withUnsafeBufferPointer { piece in
                        guard let base = piece.baseAddress else { return }
                        (out.baseAddress! + offsets[p]).initialize(from: base, count: piece.count)
                    }
                    source[p] = []
                }
            }
            count = total
        }
    }
}

/// Floats in memory aligned to 128 bytes (two cache lines), for the packed item records.
// @unchecked Sendable: a raw pointer; the records are filled before the parallel phase (or by workers on
// disjoint ranges), then only read, and the owner frees them after every worker has finished.
struct AlignedFloats: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>

    init(count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 4, alignment: 128)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(1, count))
    }

    func free() { UnsafeMutableRawPointer(base).deallocate() }
}

/// Walker/Vose alias tables in raw buffers; several tables can be concatenated, each sampled by its
/// offset and length (entries are relative to the table's offset). One 8-byte entry per outcome, so a
/// draw touches one cache line. O(1) per draw.
struct FlatAlias: Sendable {
    struct Entry { var probability: Float; var alias: Int32 }
    let entries: UnsafeBuffer<Entry>

    init(weights: [Double]) { self.init(concatenating: [weights]) }

    init(concatenating tables: [[Double]]) {
        var all: [Entry] = []
        for weights in tables {
            let n = weights.count
            let total = weights.reduce(0, +)
            var scaled = weights.map { total > 0 ? $0 * Double(n) / total : 1 }
            var e = (0..<n).map { Entry(probability: 1, alias: Int32($0)) }
            var small: [Int] = [], large: [Int] = []
            for (i, x) in scaled.enumerated() { if x < 1 { small.append(i) } else { large.append(i) } }
            while let s = small.last, let l = large.last {
                small.removeLast()
                e[s] = Entry(probability: Float(scaled[s]), alias: Int32(l))
                scaled[l] += scaled[s] - 1
                if scaled[l] < 1 { large.removeLast(); small.append(l) }
            }
            all.append(contentsOf: e)
        }
        entries = UnsafeBuffer(all)
    }

    /// A draw from table `offset ..< offset + count` given 32 random bits for the slot and a uniform
    /// coin in [0, 1) (16-bit resolution: acceptance probabilities are off by at most 2^-16).
    @inline(__always)
    func sample(index: UInt64, coin: Float, offset: Int, count: Int) -> Int {
        let i = offset + Int((index &* UInt64(count)) >> 32)
        let e = entries.buffer[i]
        return coin < e.probability ? i : offset + Int(e.alias)
    }

    /// The same from one 64-bit random word.
    @inline(__always)
    func sample(_ random: UInt64, offset: Int, count: Int) -> Int {
        sample(index: random >> 32, coin: Float(random & 0xFFFF) * 0x1p-16, offset: offset, count: count)
    }

    func free() { entries.free() }
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
// @unchecked Sendable: a raw buffer; parallel workers write only disjoint index ranges (or only read), and
// the owner frees it after every worker has finished.
struct UnsafeBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>

    init(_ array: [T]) {
        buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: array.count)
        _ = buffer.initialize(from: array)
    }


    func free() {
        buffer.deinitialize()
        buffer.deallocate()
    }
}
