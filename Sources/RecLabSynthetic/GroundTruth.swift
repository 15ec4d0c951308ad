import Foundation
import RecLabCore

/// The true behaviour model of a world: what every user really thinks of every title and how they
/// browse, play, watch and rate. The synthetic generator draws its logs from it; the A/B simulator
/// replays users through it; an oracle strategy can rank by it. It is kept with the data as the
/// artifact `GroundTruth.artifactName`.
///
/// Indices are the `Dataset`'s dense indices: users `0..<userCount` in pseudonym order, items
/// `0..<itemCount` in movie-id order. `load(from:)` checks that alignment before returning.
///
/// The model (every quantity is a pure function of the stored arrays, so the simulator and the
/// generator agree exactly):
/// - affinity  `a(u,i) = userBias[u] + itemBias[i] + <P_u, Q_i> + mean_{g in genres(i)} G[u,g]`,
///   roughly standard-normal over (user, item) pairs: the true preference, in taste units.
/// - play      `P(play | u sees i on day d) = sigmoid(playBias + playAffinityWeight*a
///   + playPopularityWeight*log(popularity[i]*itemCount) + noveltyWeight*exp(-age/noveltyDays))`,
///   where `age` is the title's age in days on day d; 0 before the title's release.
/// - watching  a user finishes a started title with probability `f = sigmoid(completionBias
///   + completionSlope*a)`; otherwise they abandon it at completion `(0.02 + 0.98*U)*f`, U uniform,
///   so disliked titles are abandoned early. `E[completion] = f + (1-f)*0.51*f`. Seconds watched =
///   completion * duration.
/// - ratings   a watched title is rated with probability `rateProbability[u]`, with the value
///   `ratingIntercept + ratingSlope*a + ratingNoise*N(0,1)` rounded to half stars in 0.5...5.
/// - visits    user u visits on any given day with probability `visitProbability[u]`.
///
/// Worlds come from the generator (`origin == .synthetic`) or from `fit(to:seed:options:)` on imported
/// data (`origin == .semiSynthetic`: factors fitted to real ratings, behaviour parameters assumed).
public struct GroundTruth: Codable, Sendable {
    /// Name of the artifact in `DatasetContent.artifacts` / `Dataset.artifacts`.
    public static let artifactName = "ground_truth"
    /// Version of the binary format written by `encoded()`.
    public static let formatVersion: UInt32 = 1

    public enum Origin: String, Codable, Sendable {
        /// Drawn by `SyntheticGenerator`: the data was generated from this model.
        case synthetic
        /// Fitted to imported data (`fit`): real preferences, approximately; assumed behaviour parameters.
        case semiSynthetic = "semi-synthetic"
    }

    /// Scalar parameters of the behaviour model (see the type's documentation for the formulas).
    public struct Behaviour: Codable, Sendable, Equatable {
        public var playBias: Float
        public var playAffinityWeight: Float
        public var playPopularityWeight: Float
        public var noveltyWeight: Float
        /// e-folding time of the novelty boost, in days.
        public var noveltyDays: Float
        public var completionBias: Float
        public var completionSlope: Float
        public var ratingIntercept: Float
        public var ratingSlope: Float
        public var ratingNoise: Float

        public init(playBias: Float, playAffinityWeight: Float, playPopularityWeight: Float, noveltyWeight: Float,
                    noveltyDays: Float, completionBias: Float, completionSlope: Float, ratingIntercept: Float,
                    ratingSlope: Float, ratingNoise: Float) {
            self.playBias = playBias; self.playAffinityWeight = playAffinityWeight
            self.playPopularityWeight = playPopularityWeight; self.noveltyWeight = noveltyWeight
            self.noveltyDays = noveltyDays; self.completionBias = completionBias; self.completionSlope = completionSlope
            self.ratingIntercept = ratingIntercept; self.ratingSlope = ratingSlope; self.ratingNoise = ratingNoise
        }
    }

    public let origin: Origin
    /// Seed the world was drawn (or fitted) with.
    public let seed: UInt64
    public let behaviour: Behaviour

    /// Unix seconds of the start of day 0 of the world's timeline.
    public let startTimestamp: Int64
    /// Seconds per simulated day (86,400).
    public let dayLength: Int64
    /// Days covered by the logged data (days `0..<dayCount`); simulations usually continue from `dayCount`.
    public let dayCount: Int

    public let factorCount: Int
    /// Pseudonym of each dense user (checked against the dataset on load).
    public let userPseudonyms: [String]
    /// Movie id of each dense item (checked against the dataset on load).
    public let movieIds: [Int64]
    /// Genre names; item genres index into this list (the same sorted list as `Dataset.genreNames`).
    public let genreNames: [String]

    /// `userCount x factorCount`, row-major.
    public let userFactors: [Float]
    public let userBias: [Float]
    /// `userCount x genreNames.count`, row-major: taste for each genre.
    public let userGenreAffinity: [Float]
    /// Probability of visiting on a given day.
    public let visitProbabilities: [Float]
    /// Probability of rating a watched title.
    public let rateProbabilities: [Float]

    /// `itemCount x factorCount`, row-major.
    public let itemFactors: [Float]
    /// Intrinsic quality of each title (liked by everybody a little more or less).
    public let itemBias: [Float]
    /// Share of organic attention (sums to 1; Zipf-like in generated worlds).
    public let itemPopularity: [Float]
    /// Release time, Unix seconds.
    public let itemRelease: [Int64]
    /// Running time in seconds.
    public let itemDurationSeconds: [Float]
    /// Genres of item i: `itemGenreList[itemGenreStart[i] ..< itemGenreStart[i+1]]`, indices into `genreNames`.
    public let itemGenreStart: [Int32]
    public let itemGenreList: [Int32]

    /// User dynamics (off for static worlds; see `UserDynamics`).
    public var dynamics = UserDynamics.off
    /// Each user's satisfaction at the end of the logged history (empty: everyone at 0).
    public var finalSatisfaction: [Float] = []
    /// 1 for users who churned during the logged history (empty: nobody).
    public var churned: [Int32] = []

    /// Satisfaction at the start of a simulation that continues the history.
    public func initialSatisfaction(user: Int) -> Double { finalSatisfaction.isEmpty ? 0 : Double(finalSatisfaction[user]) }
    /// True when the user churned during the history (they never visit again).
    public func hasChurned(user: Int) -> Bool { !churned.isEmpty && churned[user] != 0 }

    public var userCount: Int { userPseudonyms.count }
    public var itemCount: Int { movieIds.count }
    public var genreCount: Int { genreNames.count }

    /// Memberwise initialiser; checks that the array shapes agree.
    public init(origin: Origin, seed: UInt64, behaviour: Behaviour, startTimestamp: Int64, dayLength: Int64 = 86_400,
                dayCount: Int, factorCount: Int, userPseudonyms: [String], movieIds: [Int64], genreNames: [String],
                userFactors: [Float], userBias: [Float], userGenreAffinity: [Float], visitProbabilities: [Float],
                rateProbabilities: [Float], itemFactors: [Float], itemBias: [Float], itemPopularity: [Float],
                itemRelease: [Int64], itemDurationSeconds: [Float], itemGenreStart: [Int32], itemGenreList: [Int32]) {
        let u = userPseudonyms.count, i = movieIds.count, g = genreNames.count
        precondition(userFactors.count == u * factorCount && userBias.count == u && userGenreAffinity.count == u * g
                     && visitProbabilities.count == u && rateProbabilities.count == u, "GroundTruth: user array sizes disagree")
        precondition(itemFactors.count == i * factorCount && itemBias.count == i && itemPopularity.count == i
                     && itemRelease.count == i && itemDurationSeconds.count == i && itemGenreStart.count == i + 1
                     && Int(itemGenreStart.last ?? 0) == itemGenreList.count, "GroundTruth: item array sizes disagree")
        precondition(dayLength > 0)
        self.origin = origin; self.seed = seed; self.behaviour = behaviour
        self.startTimestamp = startTimestamp; self.dayLength = dayLength; self.dayCount = dayCount
        self.factorCount = factorCount; self.userPseudonyms = userPseudonyms; self.movieIds = movieIds
        self.genreNames = genreNames; self.userFactors = userFactors; self.userBias = userBias
        self.userGenreAffinity = userGenreAffinity; self.visitProbabilities = visitProbabilities
        self.rateProbabilities = rateProbabilities; self.itemFactors = itemFactors; self.itemBias = itemBias
        self.itemPopularity = itemPopularity; self.itemRelease = itemRelease
        self.itemDurationSeconds = itemDurationSeconds; self.itemGenreStart = itemGenreStart; self.itemGenreList = itemGenreList
    }

    // MARK: Timeline

    /// Unix seconds at which day `day` starts.
    public func dayStart(_ day: Int) -> Int64 { startTimestamp + Int64(day) * dayLength }

    /// Day index of a Unix timestamp (negative before the world's start).
    public func day(of timestamp: Int64) -> Int {
        let d = timestamp - startTimestamp
        return Int(d >= 0 ? d / dayLength : -((-d + dayLength - 1) / dayLength))
    }

    /// True when item is available on day `day` (released before that day ends).
    public func isReleased(item: Int, day: Int) -> Bool { itemRelease[item] < dayStart(day + 1) }

    /// Age of the item in days at the start of `day` (negative before release).
    public func ageInDays(item: Int, day: Int) -> Float {
        Float(Double(dayStart(day) - itemRelease[item]) / Double(dayLength))
    }

    // MARK: Items

    /// Genre indices (into `genreNames`) of an item.
    public func genres(item: Int) -> ArraySlice<Int32> {
        itemGenreList[Int(itemGenreStart[item]) ..< Int(itemGenreStart[item + 1])]
    }

    /// Genre names of an item.
    public func genreNames(item: Int) -> [String] { genres(item: item).map { genreNames[Int($0)] } }

    /// Running time of an item in seconds.
    public func durationSeconds(item: Int) -> Float { itemDurationSeconds[item] }

    // MARK: Behaviour

    /// True preference of `user` for `item` (roughly standard normal across pairs). O(factors + genres of item).
    public func affinity(user: Int, item: Int) -> Float {
        userFactors.withUnsafeBufferPointer { p in
            itemFactors.withUnsafeBufferPointer { q in
                userGenreAffinity.withUnsafeBufferPointer { g in
                    affinityKernel(user: user, item: item, p: p, q: q, g: g)
                }
            }
        }
    }

    /// Affinities of `user` for every item, written into `out` (resized to `itemCount`). O(items * factors).
    public func affinities(user: Int, into out: inout [Float]) {
        if out.count != itemCount { out = [Float](repeating: 0, count: itemCount) }
        userFactors.withUnsafeBufferPointer { p in
            itemFactors.withUnsafeBufferPointer { q in
                userGenreAffinity.withUnsafeBufferPointer { g in
                    out.withUnsafeMutableBufferPointer { o in
                        for i in 0..<itemCount { o[i] = affinityKernel(user: user, item: i, p: p, q: q, g: g) }
                    }
                }
            }
        }
    }

    @inline(__always)
    func affinityKernel(user: Int, item: Int, p: UnsafeBufferPointer<Float>, q: UnsafeBufferPointer<Float>,
                        g: UnsafeBufferPointer<Float>) -> Float {
        let k = factorCount
        var dot: Float = 0
        let pu = user * k, qi = item * k
        for f in 0..<k { dot += p[pu + f] * q[qi + f] }
        let lo = Int(itemGenreStart[item]), hi = Int(itemGenreStart[item + 1])
        var genre: Float = 0
        if hi > lo {
            let gu = user * genreNames.count
            for j in lo..<hi { genre += g[gu + Int(itemGenreList[j])] }
            genre /= Float(hi - lo)
        }
        return userBias[user] + itemBias[item] + dot + genre
    }

    /// `log(popularity * itemCount)`: 0 for a title with average popularity.
    public func popularityLift(item: Int) -> Float { Self.popularityLift(itemPopularity[item], itemCount: itemCount) }

    static func popularityLift(_ popularity: Float, itemCount: Int) -> Float {
        Float(Foundation.log(Double(max(popularity, 1e-12)) * Double(itemCount)))
    }

    /// Probability that `user`, shown `item` on `day`, starts playing it: true affinity, popularity and
    /// the novelty of recent releases; 0 before the release. (Given the title is seen; position bias is
    /// the simulator's business.)
    public func playProbability(user: Int, item: Int, day: Int) -> Float {
        guard isReleased(item: item, day: day) else { return 0 }
        return Self.playProbability(behaviour, affinity: affinity(user: user, item: item),
                                    popularityLift: popularityLift(item: item), ageDays: ageInDays(item: item, day: day))
    }

    @inline(__always)
    static func playProbability(_ b: Behaviour, affinity: Float, popularityLift: Float, ageDays: Float) -> Float {
        // Past 40 e-foldings the boost is below 1e-17 of its weight: skip the exponential (most titles are old).
        let decay = max(0, ageDays) / b.noveltyDays
        let novelty = b.noveltyWeight == 0 || decay > 40 ? 0 : b.noveltyWeight * expf(-decay)
        return sigmoid(b.playBias + b.playAffinityWeight * affinity + b.playPopularityWeight * popularityLift + novelty)
    }

    /// Probability that a started title is watched to the end.
    public func finishProbability(user: Int, item: Int) -> Float {
        Self.finishProbability(behaviour, affinity: affinity(user: user, item: item))
    }

    @inline(__always)
    static func finishProbability(_ b: Behaviour, affinity: Float) -> Float {
        sigmoid(b.completionBias + b.completionSlope * affinity)
    }

    /// Mean watched fraction of a started title: `f + (1-f)*0.51*f` with `f = finishProbability`.
    public func expectedCompletion(user: Int, item: Int) -> Float {
        let f = finishProbability(user: user, item: item)
        return f + (1 - f) * 0.51 * f
    }

    /// One viewing of a started title: seconds watched and the completion fraction (0...1).
    public func sampleWatch(user: Int, item: Int, rng: inout SeededRandom) -> (seconds: Float, completion: Float) {
        let c = Self.sampleCompletion(finish: finishProbability(user: user, item: item), rng: &rng)
        return (c * itemDurationSeconds[item], c)
    }

    @inline(__always)
    static func sampleCompletion(finish f: Float, rng: inout SeededRandom) -> Float {
        if rng.nextFloat() < f { return 1 }
        return (0.02 + 0.98 * rng.nextFloat()) * f
    }

    /// Mean of the rating distribution before rounding and clamping: `ratingIntercept + ratingSlope * affinity`.
    public func expectedRating(user: Int, item: Int) -> Float {
        behaviour.ratingIntercept + behaviour.ratingSlope * affinity(user: user, item: item)
    }

    /// After watching: a half-star rating in 0.5...5 with probability `rateProbability(user:)`, else nil.
    public func sampleRating(user: Int, item: Int, rng: inout SeededRandom) -> Float? {
        guard rng.nextFloat() < rateProbabilities[user] else { return nil }
        return Self.sampleRatingValue(behaviour, affinity: affinity(user: user, item: item), rng: &rng)
    }

    @inline(__always)
    static func sampleRatingValue(_ b: Behaviour, affinity: Float, rng: inout SeededRandom) -> Float {
        let raw = b.ratingIntercept + b.ratingSlope * affinity + b.ratingNoise * Float(rng.nextGaussian())
        return min(5, max(0.5, (raw * 2).rounded() / 2))
    }

    /// Probability that `user` visits the platform on a given day.
    public func visitProbability(user: Int) -> Float { visitProbabilities[user] }

    /// Probability that `user` rates a title they watched.
    public func rateProbability(user: Int) -> Float { rateProbabilities[user] }

    // MARK: Storage

    /// Compact little-endian binary form (the stored artifact). Deterministic: equal worlds give equal bytes.
    public func encoded() -> Data {
        var w = ByteWriter()
        w.bytes(Array("RLGT".utf8)); w.u32(Self.formatVersion)
        w.string(origin.rawValue); w.u64(seed)
        let b = behaviour
        w.floats([b.playBias, b.playAffinityWeight, b.playPopularityWeight, b.noveltyWeight, b.noveltyDays,
                  b.completionBias, b.completionSlope, b.ratingIntercept, b.ratingSlope, b.ratingNoise])
        w.i64(startTimestamp); w.i64(dayLength); w.i64(Int64(dayCount)); w.i64(Int64(factorCount))
        w.strings(userPseudonyms); w.int64s(movieIds); w.strings(genreNames)
        w.floats(userFactors); w.floats(userBias); w.floats(userGenreAffinity); w.floats(visitProbabilities)
        w.floats(rateProbabilities); w.floats(itemFactors); w.floats(itemBias); w.floats(itemPopularity)
        w.int64s(itemRelease); w.floats(itemDurationSeconds); w.int32s(itemGenreStart); w.int32s(itemGenreList)
        // Optional trailing section, only for worlds with dynamics: static worlds keep their bytes (and the
        // dataset's content hash).
        if dynamics.isOn {
            w.bytes(Array("DYN1".utf8))
            w.floats(dynamics.values.map(Float.init)); w.floats(finalSatisfaction); w.int32s(churned)
        }
        return w.data
    }

    /// Reads the form written by `encoded()`; a damaged or foreign blob is a `.data` error.
    public init(encoded data: Data) throws {
        var r = ByteReader(data)
        guard try r.bytes(4) == Array("RLGT".utf8) else { throw RecLabError.data("the ground-truth artifact is not in RecLab's format") }
        let version = try r.u32()
        guard version == Self.formatVersion else {
            throw RecLabError.data("ground-truth format version \(version) is not supported (expected \(Self.formatVersion))")
        }
        guard let origin = Origin(rawValue: try r.string()) else { throw RecLabError.data("ground truth: unknown origin") }
        let seed = try r.u64()
        let s = try r.floats()
        guard s.count == 10 else { throw RecLabError.data("ground truth: damaged behaviour parameters") }
        let behaviour = Behaviour(playBias: s[0], playAffinityWeight: s[1], playPopularityWeight: s[2], noveltyWeight: s[3],
                                  noveltyDays: s[4], completionBias: s[5], completionSlope: s[6], ratingIntercept: s[7],
                                  ratingSlope: s[8], ratingNoise: s[9])
        let start = try r.i64(), dayLength = try r.i64(), dayCount = Int(try r.i64()), k = Int(try r.i64())
        let pseudonyms = try r.strings(), movieIds = try r.int64s(), genres = try r.strings()
        let uf = try r.floats(), ub = try r.floats(), ug = try r.floats(), vp = try r.floats(), rp = try r.floats()
        let itf = try r.floats(), ib = try r.floats(), ip = try r.floats(), rel = try r.int64s(), dur = try r.floats()
        let gs = try r.int32s(), gl = try r.int32s()
        let u = pseudonyms.count, n = movieIds.count
        var dynamics = UserDynamics.off, satisfaction: [Float] = [], churned: [Int32] = []
        if !r.isAtEnd {
            guard try r.bytes(4) == Array("DYN1".utf8) else { throw RecLabError.data("the ground-truth artifact is damaged (unknown trailing section)") }
            dynamics = try UserDynamics(values: try r.floats().map(Double.init))
            satisfaction = try r.floats(); churned = try r.int32s()
            guard satisfaction.isEmpty || satisfaction.count == u, churned.isEmpty || churned.count == u else {
                throw RecLabError.data("the ground-truth artifact is damaged (user state sizes disagree)")
            }
        }
        guard r.isAtEnd, dayLength > 0, k >= 0, uf.count == u * k, ub.count == u, ug.count == u * genres.count,
              vp.count == u, rp.count == u, itf.count == n * k, ib.count == n, ip.count == n, rel.count == n,
              dur.count == n, gs.count == n + 1, Int(gs.last ?? -1) == gl.count,
              gl.allSatisfy({ $0 >= 0 && Int($0) < genres.count }) else {
            throw RecLabError.data("the ground-truth artifact is damaged (array sizes disagree)")
        }
        self.init(origin: origin, seed: seed, behaviour: behaviour, startTimestamp: start, dayLength: dayLength,
                  dayCount: dayCount, factorCount: k, userPseudonyms: pseudonyms, movieIds: movieIds, genreNames: genres,
                  userFactors: uf, userBias: ub, userGenreAffinity: ug, visitProbabilities: vp, rateProbabilities: rp,
                  itemFactors: itf, itemBias: ib, itemPopularity: ip, itemRelease: rel, itemDurationSeconds: dur,
                  itemGenreStart: gs, itemGenreList: gl)
        self.dynamics = dynamics; self.finalSatisfaction = satisfaction; self.churned = churned
    }

    /// The dataset's stored ground truth, or nil when it has none (imported data: use `fit`).
    /// Throws `.data` when the artifact is damaged or its users/items do not match the dataset's dense order.
    public static func load(from dataset: Dataset) throws -> GroundTruth? {
        guard let blob = dataset.artifacts[artifactName] else { return nil }
        let truth = try GroundTruth(encoded: blob)
        guard truth.userPseudonyms == dataset.userKeys else {
            throw RecLabError.data("the ground truth's users do not match dataset '\(dataset.name)'")
        }
        guard truth.movieIds.count == dataset.itemCount,
              zip(truth.movieIds, dataset.movies).allSatisfy({ $0 == $1.id }) else {
            throw RecLabError.data("the ground truth's movies do not match dataset '\(dataset.name)'")
        }
        return truth
    }
}

@inline(__always)
func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

// MARK: Binary coding

/// Little-endian writer for the ground-truth artifact.
struct ByteWriter {
    var data = Data()

    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func string(_ s: String) { let b = Array(s.utf8); u64(UInt64(b.count)); bytes(b) }
    mutating func strings(_ s: [String]) { u64(UInt64(s.count)); for x in s { string(x) } }

    mutating func floats(_ a: [Float]) { u64(UInt64(a.count)); appendRaw(a.map { $0.bitPattern.littleEndian }) }
    mutating func int64s(_ a: [Int64]) { u64(UInt64(a.count)); appendRaw(a.map { $0.littleEndian }) }
    mutating func int32s(_ a: [Int32]) { u64(UInt64(a.count)); appendRaw(a.map { $0.littleEndian }) }

    private mutating func appendRaw<T>(_ a: [T]) { a.withUnsafeBytes { data.append(contentsOf: $0) } }
}

/// Bounds-checked reader matching `ByteWriter`.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ data: Data) { bytes = Array(data) }

    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - offset else { throw RecLabError.data("the ground-truth artifact is truncated") }
        defer { offset += n }
        return bytes[offset ..< offset + n]
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] { Array(try take(n)) }

    private mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let s = try take(MemoryLayout<T>.size)
        var v: T = 0
        for (k, b) in s.enumerated() { v |= T(truncatingIfNeeded: b) << (8 * k) }
        return v
    }

    mutating func u32() throws -> UInt32 { try fixed(UInt32.self) }
    mutating func u64() throws -> UInt64 { try fixed(UInt64.self) }
    mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }

    private mutating func count(elementSize: Int) throws -> Int {
        let n = try u64()
        guard n <= UInt64(bytes.count - offset) / UInt64(max(1, elementSize)) else {
            throw RecLabError.data("the ground-truth artifact is truncated")
        }
        return Int(n)
    }

    mutating func string() throws -> String {
        let n = try count(elementSize: 1)
        guard let s = String(bytes: try take(n), encoding: .utf8) else { throw RecLabError.data("ground truth: invalid text") }
        return s
    }

    mutating func strings() throws -> [String] {
        let n = try count(elementSize: 8)
        var out: [String] = []; out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string()) }
        return out
    }

    private mutating func raw<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
        let n = try count(elementSize: MemoryLayout<T>.size)
        let s = try take(n * MemoryLayout<T>.size)
        var out = [T](repeating: 0, count: n)
        out.withUnsafeMutableBytes { dst in s.withUnsafeBytes { src in dst.copyMemory(from: src) } }
        return out.map { T(littleEndian: $0) }
    }

    mutating func floats() throws -> [Float] { try raw(UInt32.self).map { Float(bitPattern: $0) } }
    mutating func int64s() throws -> [Int64] { try raw(Int64.self) }
    mutating func int32s() throws -> [Int32] { try raw(Int32.self) }
}
