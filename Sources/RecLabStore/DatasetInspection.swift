import Foundation
import RecLabCore

/// Quantiles of a distribution of counts, by Hyndman & Fan (1996) definition 7 (linear interpolation
/// between order statistics, h = (n - 1) p; the default of R and NumPy): R. J. Hyndman and Y. Fan,
/// "Sample Quantiles in Statistical Packages", The American Statistician 50(4), 361-365.
public struct CountQuantiles: Codable, Sendable, Equatable {
    public var min: Double
    public var p25: Double
    public var p50: Double
    public var p75: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var mean: Double

    /// `sorted` must be ascending. All zero for an empty sample.
    public init(sorted: [Int]) {
        func q(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let h = Double(sorted.count - 1) * p
            let lo = Int(h.rounded(.down))
            let hi = Swift.min(lo + 1, sorted.count - 1)
            return Double(sorted[lo]) + (h - Double(lo)) * Double(sorted[hi] - sorted[lo])
        }
        min = q(0); p25 = q(0.25); p50 = q(0.5); p75 = q(0.75); p90 = q(0.9); p99 = q(0.99); max = q(1)
        mean = sorted.isEmpty ? 0 : Double(sorted.reduce(0, +)) / Double(sorted.count)
    }
}

/// One bar of the rating histogram.
public struct RatingBin: Codable, Sendable, Equatable {
    public var rating: Double
    public var count: Int

    public init(rating: Double, count: Int) {
        self.rating = rating; self.count = count
    }
}

/// What `reclab inspect` reports, computed from the store: SQL aggregates (counts, mean rating, time
/// span) and one scan of the interaction rows (histogram, distinct pairs, per-user and per-movie counts).
public struct DatasetInspection: Codable, Sendable, Equatable {
    public var name: String
    public var source: String
    public var contentHash: String
    public var users: Int
    public var movies: Int
    /// All interactions (ratings and viewing events; one row may be both).
    public var interactions: Int
    /// Interactions with an explicit rating.
    public var ratings: Int
    public var tags: Int
    /// Viewing events: interactions with watch data.
    public var events: Int
    /// Distinct (user, movie) pairs with at least one interaction.
    public var pairs: Int
    /// 1 - pairs / (users x movies): the share of the user-movie matrix that is empty.
    public var sparsity: Double
    public var ratingHistogram: [RatingBin]
    public var meanRating: Double?
    /// Interactions per user and per movie, users and movies without any counted as 0.
    public var interactionsPerUser: CountQuantiles
    public var interactionsPerMovie: CountQuantiles
    /// Unix seconds of the first and last interaction, and their UTC dates.
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?
    public var firstDate: String?
    public var lastDate: String?
    public var spanDays: Double
    public var warnings: [String]

    /// Reads the store at `path`.
    /// Complexity: two scans of the interactions table (SQL aggregates; one read of user, movie, rating),
    /// O(N) plus an O(N log N) sort of pair keys.
    public static func compute(path: String) throws -> DatasetInspection {
        let db = try DatasetStore.open(path)
        var info: [String: String] = [:]
        let s = try db.prepare("SELECT key, value FROM dataset_info")
        while try s.step() { info[s.text(0)] = s.text(1) }

        func count(_ sql: String) throws -> Int { Int(try db.scalarInt(sql) ?? 0) }
        let users = try count("SELECT count(*) FROM users")
        let movies = try count("SELECT count(*) FROM movies")
        let totals = try db.prepare("""
            SELECT count(*), count(rating), count(watch_seconds), min(ts), max(ts), avg(rating) FROM interactions
            """)
        _ = try totals.step()
        let interactions = Int(totals.int64(0)), ratings = Int(totals.int64(1)), events = Int(totals.int64(2))
        let first = totals.optionalInt64(3), last = totals.optionalInt64(4)
        let meanRating = totals.optionalDouble(5)
        let tags = try count("SELECT count(*) FROM tags")
        // One pass over (user, movie, rating) for what needs grouping: per-user and per-movie counts, the
        // rating histogram and distinct pairs. Cheaper than three GROUP BY sorts in SQLite (O(N) plus a
        // sort of 64-bit pair keys), and as plain as the SQL it replaces.
        var perUserCount: [Int64: Int] = [:], perMovieCount: [Int64: Int] = [:]
        var histogramCounts: [Double: Int] = [:]
        var pairKeys: [UInt64] = []
        var widePairs = Set<[Int64]>()
        pairKeys.reserveCapacity(interactions)
        let rows = try db.prepare("SELECT user_id, movie_id, rating FROM interactions")
        while try rows.step() {
            let user = rows.int64(0), movie = rows.int64(1)
            perUserCount[user, default: 0] += 1
            perMovieCount[movie, default: 0] += 1
            if !rows.isNull(2) { histogramCounts[rows.double(2), default: 0] += 1 }
            if user >= 0 && user <= Int64(UInt32.max) && movie >= 0 && movie <= Int64(UInt32.max) {
                pairKeys.append(UInt64(user) << 32 | UInt64(movie))
            } else {
                widePairs.insert([user, movie])
            }
        }
        pairKeys.sort()
        var pairs = widePairs.count
        for k in pairKeys.indices where k == 0 || pairKeys[k] != pairKeys[k - 1] { pairs += 1 }
        let histogram = histogramCounts.keys.sorted().map { RatingBin(rating: $0, count: histogramCounts[$0]!) }

        // Users or movies with no interaction at all count as zeros, at the front of the sorted list.
        func withZeros(_ counts: [Int64: Int], total: Int) -> [Int] {
            Array(repeating: 0, count: Swift.max(0, total - counts.count)) + counts.values.sorted()
        }
        let perUser = withZeros(perUserCount, total: users)
        let perMovie = withZeros(perMovieCount, total: movies)

        let dateFormat = DateFormatter()
        dateFormat.locale = Locale(identifier: "en_US_POSIX")
        dateFormat.timeZone = TimeZone(identifier: "UTC")
        dateFormat.dateFormat = "yyyy-MM-dd"
        func date(_ t: Int64?) -> String? { t.map { dateFormat.string(from: Date(timeIntervalSince1970: TimeInterval($0))) } }

        let cells = Double(users) * Double(movies)
        return DatasetInspection(
            name: info["name"] ?? "", source: info["source"] ?? "", contentHash: info["content_hash"] ?? "",
            users: users, movies: movies, interactions: interactions, ratings: ratings, tags: tags, events: events,
            pairs: pairs, sparsity: cells > 0 ? 1 - Double(pairs) / cells : 1,
            ratingHistogram: histogram, meanRating: meanRating,
            interactionsPerUser: CountQuantiles(sorted: perUser), interactionsPerMovie: CountQuantiles(sorted: perMovie),
            firstTimestamp: first, lastTimestamp: last, firstDate: date(first), lastDate: date(last),
            spanDays: first.flatMap { f in last.map { Double($0 - f) / 86_400 } } ?? 0,
            warnings: (info["warnings"] ?? "").split(separator: "\n").map(String.init))
    }
}
