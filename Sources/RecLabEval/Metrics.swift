import Foundation
import RecLabCore
import RecLabResults

// Offline evaluation metrics. Every metric follows a published definition, cited on its function.
// Ranking metrics are computed over the full catalogue minus each user's training items (never over
// sampled negatives, which inflate and reorder results: Krichene and Rendle, KDD 2020).

/// Whether larger or smaller values of a metric are better.
public enum BetterDirection: String, Sendable, Codable {
    case higher, lower

    public var lowerIsBetter: Bool { self == .lower }
}

/// An evaluation metric as written in configs (`ndcg@10`, `rmse`). Three kinds, each a protocol below:
/// `ListMetric` (one value per user from that user's ranked list), `GlobalMetric` (one value per fold from all
/// users' lists together) and `RatingMetric` (an error over test ratings). A metric is one type conforming
/// to one of them, documented with its published definition, and listed in `MetricRegistry.types`; the
/// runner needs no change for a new one.
public protocol Metric: Sendable, CustomStringConvertible {
    /// Config name without cutoff (`ndcg`).
    static var baseName: String { get }
    static var direction: BetterDirection { get }
    /// True when the metric is written with a cutoff (`ndcg@10`); rating metrics take none.
    static var takesCutoff: Bool { get }
    /// The metric at `cutoff`, or nil when a cutoff is given to a metric that takes none (or the reverse).
    static func make(cutoff: Int?) -> Self?
    /// The cutoff k, nil for rating metrics.
    var cutoff: Int? { get }
}

extension Metric {
    public var baseName: String { Self.baseName }
    public var direction: BetterDirection { Self.direction }
    /// The config name with its cutoff: `ndcg@10`, `rmse`.
    public var name: String { cutoff.map { "\(Self.baseName)@\($0)" } ?? Self.baseName }
    public var description: String { name }
}

/// What a list metric sees of one user: the ranked list (best first, up to the run's longest cutoff), which
/// of its items are relevant, and the training statistics beyond-accuracy metrics need.
public struct UserList {
    /// Recommended items, best first.
    public let items: [Int32]
    public let hits: RankedHits
    public let popularity: ItemPopularity
    /// Genre ids per item, and the same as bit masks when the catalogue has at most 64 genres.
    public let genres: [[Int32]]
    public let genreMasks: [UInt64]?

    /// Leave-one-out with sampled negatives only: the ranking of the user's relevant test items among the sampled
    /// negatives (best first, up to the list cutoff) and its hits; nil for full-ranking protocols.
    public var sampled: (items: [Int32], hits: RankedHits)?

    public init(items: [Int32], hits: RankedHits, popularity: ItemPopularity, genres: [[Int32]], genreMasks: [UInt64]?) {
        self.items = items; self.hits = hits; self.popularity = popularity; self.genres = genres; self.genreMasks = genreMasks
    }
}

/// A hit metric computed on the sampled candidate list of leave-one-out (the test items plus N sampled items
/// the user never interacted with) instead of the full catalogue: `sampled-ndcg@10` beside `ndcg@10`.
/// Biased by construction (Krichene and Rendle, "On Sampled Metrics for Item Recommendation", KDD 2020): it
/// is shown beside the full-ranking value so the difference is visible, never instead of it. The runner adds
/// these rows for the leave-one-out split; configs do not name them.
public struct SampledMetric<Base: ListMetric>: ListMetric {
    public static var baseName: String { "sampled-" + Base.baseName }
    public static var direction: BetterDirection { Base.direction }
    public let k: Int
    public init(k: Int) { self.k = k }

    public func value(_ list: UserList) -> Double? {
        guard let sampled = list.sampled else { return nil }
        return Base(k: k).value(UserList(items: sampled.items, hits: sampled.hits, popularity: list.popularity,
                                         genres: list.genres, genreMasks: list.genreMasks))
    }

    /// The sampled variant of a hit metric (precision, recall, ndcg, map, mrr, hit); nil for the others.
    public static func variant(of metric: any ListMetric) -> (any ListMetric)? {
        switch metric {
        case is PrecisionMetric: return SampledMetric<PrecisionMetric>(k: metric.k)
        case is RecallMetric: return SampledMetric<RecallMetric>(k: metric.k)
        case is NDCGMetric: return SampledMetric<NDCGMetric>(k: metric.k)
        case is MAPMetric: return SampledMetric<MAPMetric>(k: metric.k)
        case is MRRMetric: return SampledMetric<MRRMetric>(k: metric.k)
        case is HitRateMetric: return SampledMetric<HitRateMetric>(k: metric.k)
        default: return nil
        }
    }
}

/// A metric with one value per evaluated user, computed from the top `k` of that user's list.
public protocol ListMetric: Metric {
    var k: Int { get }
    init(k: Int)
    /// The user's value; nil when it is undefined for this user (diversity of a one-item list).
    func value(_ list: UserList) -> Double?
}

extension ListMetric {
    public static var takesCutoff: Bool { true }
    public static func make(cutoff: Int?) -> Self? { cutoff.map { Self(k: $0) } }
    public var cutoff: Int? { k }
}

/// A metric of all users' top-`k` lists together: one value per fold from the exposure counts.
public protocol GlobalMetric: Metric {
    var k: Int { get }
    init(k: Int)
    /// `exposure[i]`: how many users' top-k lists contain item i (every catalogue item has an entry).
    func value(exposure: [Int]) -> Double
}

extension GlobalMetric {
    public static var takesCutoff: Bool { true }
    public static func make(cutoff: Int?) -> Self? { cutoff.map { Self(k: $0) } }
    public var cutoff: Int? { k }
}

/// A rating-prediction error over test ratings: the mean of a per-rating loss of the error
/// e = prediction − truth, then a transform (the square root for RMSE). Per-user values apply the same
/// transform to the user's mean loss; confidence bounds are transformed bounds of the mean loss.
public protocol RatingMetric: Metric {
    init()
    /// Loss of one prediction error.
    func loss(_ error: Double) -> Double
    /// The metric from a mean loss.
    func value(meanLoss: Double) -> Double
    /// A confidence bound of the metric from the same bound of the mean loss.
    func bound(meanLoss: Double) -> Double
}

extension RatingMetric {
    public static var takesCutoff: Bool { false }
    public static func make(cutoff: Int?) -> Self? { cutoff == nil ? Self() : nil }
    public var cutoff: Int? { nil }
}

/// The metrics configs can name. Order is the order of `reclab run --help`-style listings and errors.
public enum MetricRegistry {
    public static let types: [any Metric.Type] = [
        RMSEMetric.self, MAEMetric.self,
        PrecisionMetric.self, RecallMetric.self, NDCGMetric.self, MAPMetric.self, MRRMetric.self, HitRateMetric.self,
        CoverageMetric.self, GiniMetric.self,
        NoveltyMetric.self, DiversityMetric.self, PopularityMetric.self,
    ]

    public static var baseNames: [String] { types.map { $0.baseName } }

    public static func type(named base: String) -> (any Metric.Type)? {
        types.first { $0.baseName == base }
    }

    /// Whether lower values of the metric named `name` (`gini@10`, `rmse`) are better; nil for unknown names.
    public static func direction(ofMetricNamed name: String) -> BetterDirection? {
        let base = name.split(separator: "@", maxSplits: 1).first.map(String.init) ?? name
        return type(named: base.lowercased())?.direction
    }

    /// Range of a cutoff k: every evaluated user's top-k list is kept while a fold is scored, and
    /// intra-list diversity is O(k²) per user.
    public static let cutoffRange = 1...1000

    /// Parses `ndcg@10`, `ndcg@[5, 10, 20]` (one metric per cutoff) or `rmse`. The error message says what
    /// is wrong; the caller adds file, line and key.
    public static func parse(_ text: String) throws -> [any Metric] {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let type = type(named: parts[0].lowercased()) else {
            throw RecLabError.config("unknown metric '\(parts[0])'; known metrics: \(baseNames.joined(separator: ", "))")
        }
        let base = type.baseName
        guard parts.count == 2 else {
            if type.takesCutoff { throw RecLabError.config("metric '\(base)' needs a cutoff, for example '\(base)@10'") }
            return [type.make(cutoff: nil)!]
        }
        guard type.takesCutoff else { throw RecLabError.config("metric '\(base)' takes no cutoff (write '\(base)')") }
        var ks = parts[1].trimmingCharacters(in: .whitespaces)
        if ks.hasPrefix("[") && ks.hasSuffix("]") { ks = String(ks.dropFirst().dropLast()) }
        var out: [any Metric] = []
        for piece in ks.split(separator: ",", omittingEmptySubsequences: false) {
            guard let k = Int(piece.trimmingCharacters(in: .whitespaces)), k > 0 else {
                throw RecLabError.config("bad cutoff in '\(t)': expected a positive integer or a list like [5, 10]")
            }
            guard cutoffRange.contains(k) else {
                throw RecLabError.config("cutoff \(k) in '\(t)' is out of range: cutoffs must be in \(cutoffRange.lowerBound)...\(cutoffRange.upperBound)")
            }
            out.append(type.make(cutoff: k)!)
        }
        return out
    }
}

// MARK: - The registered metrics (each delegates to the computation cited on it)

/// Precision@k (`RankedHits.precision(at:)`; Herlocker, Konstan, Terveen and Riedl, TOIS 2004).
public struct PrecisionMetric: ListMetric {
    public static let baseName = "precision", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { list.hits.precision(at: k) }
}

/// Recall@k (`RankedHits.recall(at:)`; Herlocker et al. 2004).
public struct RecallMetric: ListMetric {
    public static let baseName = "recall", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { list.hits.recall(at: k) }
}

/// nDCG@k with binary gains (`RankedHits.ndcg(at:)`, Järvelin and Kekäläinen 2002).
public struct NDCGMetric: ListMetric {
    public static let baseName = "ndcg", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { list.hits.ndcg(at: k) }
}

/// MAP@k: the user's average precision at k (`RankedHits.averagePrecision(at:)`; Manning, Raghavan and
/// Schütze 2008, §8.4), averaged over users.
public struct MAPMetric: ListMetric {
    public static let baseName = "map", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { list.hits.averagePrecision(at: k) }
}

/// MRR@k: reciprocal rank of the first relevant item (`RankedHits.reciprocalRank(at:)`, Voorhees 1999).
public struct MRRMetric: ListMetric {
    public static let baseName = "mrr", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { list.hits.reciprocalRank(at: k) }
}

/// Hit rate@k (`RankedHits.hit(at:)`, Deshpande and Karypis 2004).
public struct HitRateMetric: ListMetric {
    public static let baseName = "hit", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { list.hits.hit(at: k) }
}

/// Novelty@k: mean self-information of the recommended items (`ListMetrics.novelty`, Zhou et al. 2010).
public struct NoveltyMetric: ListMetric {
    public static let baseName = "novelty", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { ListMetrics.novelty(list.items.prefix(k), popularity: list.popularity) }
}

/// Intra-list diversity@k over genre sets (`ListMetrics.intraListDiversity`, Ziegler et al. 2005).
public struct DiversityMetric: ListMetric {
    public static let baseName = "diversity", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? {
        let top = list.items.prefix(k)
        return list.genreMasks.map { ListMetrics.intraListDiversity(top, genreMasks: $0) }
            ?? ListMetrics.intraListDiversity(top, genres: list.genres)
    }
}

/// Average recommendation popularity@k (`ListMetrics.averagePopularity`, Abdollahpouri et al. 2019): lower
/// means less popularity bias.
public struct PopularityMetric: ListMetric {
    public static let baseName = "popularity", direction = BetterDirection.lower
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(_ list: UserList) -> Double? { ListMetrics.averagePopularity(list.items.prefix(k), popularity: list.popularity) }
}

/// Catalogue coverage@k (`CatalogueMetrics.coverage`, Ge et al. 2010).
public struct CoverageMetric: GlobalMetric {
    public static let baseName = "coverage", direction = BetterDirection.higher
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(exposure: [Int]) -> Double { CatalogueMetrics.coverage(exposure: exposure) }
}

/// Gini index of exposure@k (`CatalogueMetrics.gini`, Fleder and Hosanagar 2009): lower means exposure is
/// spread more evenly.
public struct GiniMetric: GlobalMetric {
    public static let baseName = "gini", direction = BetterDirection.lower
    public let k: Int
    public init(k: Int) { self.k = k }
    public func value(exposure: [Int]) -> Double { CatalogueMetrics.gini(exposure: exposure) }
}

/// Root mean squared error, √(Σ e² / n) (Herlocker et al. 2004, §3.1; the Netflix Prize measure).
public struct RMSEMetric: RatingMetric {
    public static let baseName = "rmse", direction = BetterDirection.lower
    public init() {}
    public func loss(_ error: Double) -> Double { error * error }
    public func value(meanLoss: Double) -> Double { meanLoss.squareRoot() }
    /// A bound of the mean squared error below 0 (possible for a t interval) is taken as 0.
    public func bound(meanLoss: Double) -> Double { max(meanLoss, 0).squareRoot() }
}

/// Mean absolute error, Σ |e| / n (Herlocker et al. 2004, §3.1).
public struct MAEMetric: RatingMetric {
    public static let baseName = "mae", direction = BetterDirection.lower
    public init() {}
    public func loss(_ error: Double) -> Double { abs(error) }
    public func value(meanLoss: Double) -> Double { meanLoss }
    public func bound(meanLoss: Double) -> Double { meanLoss }
}

// MARK: - Ranking accuracy (binary relevance)

/// The hit pattern of one user's ranked list: `hits[i]` is true when the item at rank `i + 1` is relevant;
/// `relevantCount` is the number of relevant items the user has (recommendable or not).
///
/// Every function takes the cutoff `k`; a list shorter than `k` (a catalogue too small to fill it) counts
/// its missing positions as non-relevant.
public struct RankedHits: Sendable {
    public let hits: [Bool]
    public let relevantCount: Int

    public init(hits: [Bool], relevantCount: Int) {
        self.hits = hits; self.relevantCount = relevantCount
    }

    /// Marks each recommended item as relevant or not. `relevant` must be sorted ascending.
    public init(recommended: [Int32], relevant: ArraySlice<Int32>) {
        hits = recommended.map { item in RankedHits.contains(relevant, item) }
        relevantCount = relevant.count
    }

    static func contains(_ sorted: ArraySlice<Int32>, _ x: Int32) -> Bool {
        var lo = sorted.startIndex, hi = sorted.endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < sorted.endIndex && sorted[lo] == x
    }

    @inline(__always) private func hitCount(_ k: Int) -> Int {
        var n = 0
        for i in 0..<min(k, hits.count) where hits[i] { n += 1 }
        return n
    }

    /// Precision@k = |relevant ∩ top-k| / k (Herlocker, Konstan, Terveen and Riedl, "Evaluating
    /// collaborative filtering recommender systems", ACM TOIS 2004; TREC usage). The denominator is k
    /// even when fewer than k items could be recommended.
    public func precision(at k: Int) -> Double { Double(hitCount(k)) / Double(k) }

    /// Recall@k = |relevant ∩ top-k| / |relevant| (Herlocker et al. 2004; common IR usage).
    public func recall(at k: Int) -> Double {
        relevantCount == 0 ? 0 : Double(hitCount(k)) / Double(relevantCount)
    }

    /// nDCG@k with binary gains and a log2 discount (Järvelin and Kekäläinen, "Cumulated gain-based
    /// evaluation of IR techniques", ACM TOIS 2002): DCG@k = Σ_{i≤k} rel_i / log2(i + 1), divided by the
    /// ideal DCG of min(k, |relevant|) relevant items in the first positions.
    public func ndcg(at k: Int) -> Double {
        let ideal = min(k, relevantCount)
        guard ideal > 0 else { return 0 }
        var dcg = 0.0, idcg = 0.0
        for i in 0..<min(k, hits.count) where hits[i] { dcg += 1 / log2(Double(i + 2)) }
        for i in 0..<ideal { idcg += 1 / log2(Double(i + 2)) }
        return dcg / idcg
    }

    /// Average precision at k, normalised by min(k, |relevant|) (the normalisation used by the
    /// MAP@k of Kaggle/`ml_metrics` and by RecBole, so a perfect top-k scores 1 even for users with more
    /// than k relevant items): AP@k = Σ_{i≤k, rel_i} Precision@i / min(k, |relevant|). MAP@k is its mean
    /// over users (Manning, Raghavan and Schütze, "Introduction to Information Retrieval", 2008, §8.4).
    public func averagePrecision(at k: Int) -> Double {
        let norm = min(k, relevantCount)
        guard norm > 0 else { return 0 }
        var found = 0, sum = 0.0
        for i in 0..<min(k, hits.count) where hits[i] {
            found += 1
            sum += Double(found) / Double(i + 1)
        }
        return sum / Double(norm)
    }

    /// Reciprocal rank of the first relevant item within the top k, 0 when there is none
    /// (Voorhees, "The TREC-8 question answering track report", 1999). MRR@k is its mean over users.
    public func reciprocalRank(at k: Int) -> Double {
        for i in 0..<min(k, hits.count) where hits[i] { return 1 / Double(i + 1) }
        return 0
    }

    /// Hit rate@k: 1 when at least one relevant item is in the top k, else 0 (Deshpande and Karypis,
    /// "Item-based top-N recommendation algorithms", ACM TOIS 2004).
    public func hit(at k: Int) -> Double { hitCount(k) > 0 ? 1 : 0 }
}

// MARK: - Beyond accuracy

/// Item statistics of a training view that beyond-accuracy metrics need: how many distinct training
/// users interacted with each item, out of how many users have training data.
public struct ItemPopularity: Sendable {
    /// Distinct training users per item (dataset item order).
    public let userCounts: [Int]
    /// Users with at least one training interaction.
    public let activeUsers: Int
    /// Self-information of each item, -log2(max(count, 1) / activeUsers), precomputed.
    public let selfInformation: [Double]

    public init(userCounts: [Int], activeUsers: Int) {
        self.userCounts = userCounts
        self.activeUsers = activeUsers
        let u = Double(max(activeUsers, 1))
        selfInformation = userCounts.map { -log2(Double(max($0, 1)) / u) }
    }

    /// From a training set (any feedback kind: the sparsity pattern is what counts).
    public init(train: TrainingSet) {
        let byItem = train.byItem
        var active = 0
        for u in 0..<train.userCount where train.byUser.count(ofRow: u) > 0 { active += 1 }
        self.init(userCounts: (0..<byItem.rowCount).map { byItem.count(ofRow: $0) }, activeUsers: active)
    }
}

public enum ListMetrics {
    /// Novelty@k: mean self-information of the recommended items, -log2(p(i)) with p(i) the share of
    /// training users who interacted with i (Zhou et al., "Solving the apparent diversity-accuracy dilemma
    /// of recommender systems", PNAS 2010; Castells, Vargas and Wang, "Novelty and diversity metrics for
    /// recommender systems", 2011). Items nobody interacted with count as seen by one user (so the value
    /// stays finite: the maximum, log2(users)). Returns nil for an empty list.
    public static func novelty(_ list: ArraySlice<Int32>, popularity: ItemPopularity) -> Double? {
        guard !list.isEmpty else { return nil }
        var s = 0.0
        for i in list { s += popularity.selfInformation[Int(i)] }
        return s / Double(list.count)
    }

    /// Average recommendation popularity (ARP): mean number of training interactions (distinct users)
    /// of the recommended items (Abdollahpouri, Burke and Mobasher, "Managing popularity bias in
    /// recommender systems with personalized re-ranking", FLAIRS 2019). Nil for an empty list.
    public static func averagePopularity(_ list: ArraySlice<Int32>, popularity: ItemPopularity) -> Double? {
        guard !list.isEmpty else { return nil }
        var s = 0
        for i in list { s += popularity.userCounts[Int(i)] }
        return Double(s) / Double(list.count)
    }

    /// Intra-list diversity: mean pairwise distance 1 - Jaccard(genres(i), genres(j)) over the unordered
    /// pairs of the list (Ziegler, McNee, Konstan and Lausen, "Improving recommendation lists through topic
    /// diversification", WWW 2005, with genre-set Jaccard as the item distance). Two items without genres
    /// are taken as identical (distance 0). Nil for lists shorter than two items, where it is undefined.
    /// O(k² · genres per item).
    public static func intraListDiversity(_ list: ArraySlice<Int32>, genres: [[Int32]]) -> Double? {
        let items = Array(list)
        guard items.count >= 2 else { return nil }
        var total = 0.0
        for a in 0..<items.count {
            let ga = genres[Int(items[a])]
            for b in (a + 1)..<items.count {
                total += 1 - jaccard(ga, genres[Int(items[b])])
            }
        }
        let pairs = Double(items.count * (items.count - 1) / 2)
        return total / pairs
    }

    /// The same as `intraListDiversity(_:genres:)` with each item's genre set as a bit mask (catalogues
    /// with at most 64 genres): Jaccard by popcount, O(k²).
    public static func intraListDiversity(_ list: ArraySlice<Int32>, genreMasks: [UInt64]) -> Double? {
        let items = Array(list)
        guard items.count >= 2 else { return nil }
        var total = 0.0
        for a in 0..<items.count {
            let ma = genreMasks[Int(items[a])]
            for b in (a + 1)..<items.count {
                let mb = genreMasks[Int(items[b])]
                let union = (ma | mb).nonzeroBitCount
                // Two items without genres are identical (distance 0), as in the set version.
                if union > 0 { total += 1 - Double((ma & mb).nonzeroBitCount) / Double(union) }
            }
        }
        return total / Double(items.count * (items.count - 1) / 2)
    }

    /// Genre bit masks of a dataset's items, or nil when it has more than 64 genres.
    public static func genreMasks(_ genres: [[Int32]], genreCount: Int) -> [UInt64]? {
        guard genreCount <= 64 else { return nil }
        return genres.map { g in g.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) } }
    }

    /// Jaccard similarity of two small sets given as arrays of distinct values (1 for two empty sets).
    public static func jaccard(_ a: [Int32], _ b: [Int32]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var inter = 0
        for x in a where b.contains(x) { inter += 1 }
        return Double(inter) / Double(a.count + b.count - inter)
    }
}

public enum CatalogueMetrics {
    /// Catalogue coverage@k: the share of all items that appear in at least one user's top-k list
    /// (Ge, Delgado-Battenfeld and Jannach, "Beyond accuracy: evaluating recommender systems by coverage
    /// and serendipity", RecSys 2010). `exposure[i]` counts how often item i was recommended.
    public static func coverage(exposure: [Int]) -> Double {
        guard !exposure.isEmpty else { return 0 }
        return Double(exposure.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }) / Double(exposure.count)
    }

    /// Gini index of the exposure distribution over the whole catalogue, items never recommended
    /// included (0 = every item recommended equally often, → 1 = all exposure on one item); the
    /// concentration measure of Fleder and Hosanagar (2009) as used for recommenders by Adomavicius and
    /// Kwon (2012). Computed by the stats module's `Gini`.
    public static func gini(exposure: [Int]) -> Double {
        giniCoefficient(exposure.map(Double.init))
    }
}

// MARK: - Rating prediction

/// Accumulates rating-prediction errors (prediction - truth).
public struct ErrorAccumulator: Sendable {
    public private(set) var count = 0
    public private(set) var sumSquared = 0.0
    public private(set) var sumAbsolute = 0.0

    public init() {}

    public mutating func add(prediction: Double, truth: Double) {
        let e = prediction - truth
        count += 1; sumSquared += e * e; sumAbsolute += abs(e)
    }

    public mutating func merge(_ other: ErrorAccumulator) {
        count += other.count; sumSquared += other.sumSquared; sumAbsolute += other.sumAbsolute
    }

    /// Root mean squared error, √(Σ e² / n) (Herlocker et al. 2004, §3.1; the Netflix Prize measure). NaN
    /// when there is nothing to average.
    public var rmse: Double { count == 0 ? .nan : (sumSquared / Double(count)).squareRoot() }

    /// Mean absolute error, Σ |e| / n (Herlocker et al. 2004, §3.1). NaN when empty.
    public var mae: Double { count == 0 ? .nan : sumAbsolute / Double(count) }
}
