import Foundation
import RecLabCore
import RecLabResults

// Offline evaluation metrics. Every metric follows a published definition, cited on its function.
// Ranking metrics are computed over the full catalogue minus each user's training items (never over
// sampled negatives, which inflate and reorder results: Krichene and Rendle, KDD 2020).

/// The metrics `reclab run` knows, by config name.
public enum MetricBase: String, CaseIterable, Sendable, Codable {
    case rmse, mae
    case precision, recall, ndcg, map, mrr, hit
    case coverage, gini, novelty, diversity, popularity

    /// How a metric is computed, which decides whether it has per-user values.
    public enum Scope: Sendable {
        /// Over test ratings, from `predict` (rating predictors only).
        case rating
        /// One value per evaluated user from that user's top-k list.
        case perUser
        /// One value per fold from all users' top-k lists together (coverage, Gini).
        case catalogue
    }

    public var scope: Scope {
        switch self {
        case .rmse, .mae: return .rating
        case .coverage, .gini: return .catalogue
        default: return .perUser
        }
    }

    /// Rating metrics take no cutoff; all others need `@k`.
    public var needsK: Bool { scope != .rating }

    /// Errors, popularity bias and exposure concentration are better low (decided in RecLabResults).
    public var lowerIsBetter: Bool { MetricDirection.lowerIsBetter(rawValue) }
}

/// A metric with its cutoff, as written in configs: `ndcg@10`, `rmse`.
public struct MetricSpec: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let base: MetricBase
    public let k: Int?

    public init(_ base: MetricBase, k: Int? = nil) {
        precondition(base.needsK == (k != nil), "metric \(base) \(base.needsK ? "needs" : "takes no") cutoff")
        self.base = base; self.k = k
    }

    public var name: String { k.map { "\(base.rawValue)@\($0)" } ?? base.rawValue }
    public var description: String { name }

    public static func < (a: MetricSpec, b: MetricSpec) -> Bool {
        let ia = MetricBase.allCases.firstIndex(of: a.base)!, ib = MetricBase.allCases.firstIndex(of: b.base)!
        return ia != ib ? ia < ib : (a.k ?? 0) < (b.k ?? 0)
    }

    /// Range of a cutoff k: every evaluated user's top-k list is kept while a fold is scored, and
    /// intra-list diversity is O(k²) per user.
    public static let cutoffRange = 1...1000

    /// Parses `ndcg@10`, `ndcg@[5, 10, 20]` (one spec per cutoff) or `rmse`. The error message says what
    /// is wrong; the caller adds file, line and key.
    public static func parse(_ text: String) throws -> [MetricSpec] {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let known = MetricBase.allCases.map(\.rawValue).joined(separator: ", ")
        guard let base = MetricBase(rawValue: parts[0].lowercased()) else {
            throw RecLabError.config("unknown metric '\(parts[0])'; known metrics: \(known)")
        }
        guard parts.count == 2 else {
            if base.needsK { throw RecLabError.config("metric '\(base.rawValue)' needs a cutoff, for example '\(base.rawValue)@10'") }
            return [MetricSpec(base)]
        }
        guard base.needsK else { throw RecLabError.config("metric '\(base.rawValue)' takes no cutoff (write '\(base.rawValue)')") }
        var ks = parts[1].trimmingCharacters(in: .whitespaces)
        if ks.hasPrefix("[") && ks.hasSuffix("]") { ks = String(ks.dropFirst().dropLast()) }
        var out: [MetricSpec] = []
        for piece in ks.split(separator: ",", omittingEmptySubsequences: false) {
            guard let k = Int(piece.trimmingCharacters(in: .whitespaces)), k > 0 else {
                throw RecLabError.config("bad cutoff in '\(t)': expected a positive integer or a list like [5, 10]")
            }
            guard cutoffRange.contains(k) else {
                throw RecLabError.config("cutoff \(k) in '\(t)' is out of range: cutoffs must be in \(cutoffRange.lowerBound)...\(cutoffRange.upperBound)")
            }
            out.append(MetricSpec(base, k: k))
        }
        return out
    }
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
