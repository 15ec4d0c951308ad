import Foundation
import RecLabConfig
import RecLabCore

/// Everything that shapes a synthetic world. Defaults give a plausible small world; `datasets/*.yaml`
/// set sizes and tune the rest. The YAML keys are listed in `parse(node:)` and documented in the
/// README section "Synthetic worlds".
public struct SyntheticConfig: Sendable, Equatable {
    public var name = "synthetic"
    /// Default seed (the CLI's `--seed` and `generate(_:seed:)` override it).
    public var seed: UInt64 = 42
    public var users = 1_000
    public var movies = 500
    public var days = 60
    /// First day of the log, `YYYY-MM-DD` (UTC).
    public var startDate = "2024-01-01"
    /// Latent factor dimension.
    public var factors = 16

    // taste
    /// Standard deviation of the latent term `<P_u, Q_i>`.
    public var tasteScale = 1.0
    /// Standard deviation of each user's per-genre affinity.
    public var genreAffinity = 0.5
    /// 0...1: how much a title's latent factors follow its genres (0: independent, 1: fully determined).
    public var genreCoupling = 0.5
    /// Standard deviation of the titles' intrinsic quality.
    public var qualityScale = 0.5
    /// Standard deviation of the users' overall enthusiasm.
    public var userBiasScale = 0.3

    // catalogue
    /// Zipf exponent s: the title at popularity rank r gets attention proportional to r^-s.
    public var popularityExponent = 1.0
    /// 0...1: correlation between a title's quality and its popularity rank.
    public var popularityQuality = 0.5
    /// Years of back catalogue released before the log starts.
    public var catalogueYears = 30.0
    /// Share of titles released during the log (the rest is back catalogue).
    public var recentShare = 0.1
    /// Median running time in minutes; running times are log-normal.
    public var durationMinutes = 100.0
    /// Log-normal sigma of running times.
    public var durationSpread = 0.25

    // activity
    /// Mean probability that a user visits on a given day.
    public var visitProbability = 0.15
    /// Log-normal sigma of the users' visit probabilities (long-tailed activity).
    public var activitySpread = 1.0
    /// Cap on any user's visit probability.
    public var maxVisitProbability = 0.95

    // sessions
    /// Mean number of titles a user looks at per visit (Poisson, at least 1).
    public var browse = 10.0
    /// At most this many plays per visit.
    public var maxPlays = 4
    /// Share of browsed titles that are recent releases (released within 3 * novelty_days).
    public var newReleaseShare = 0.15
    /// Share of browsed titles found through the user's favourite genres; the rest follow popularity.
    public var genreShare = 0.35

    // play
    public var playBias = -1.5
    public var playAffinityWeight = 1.5
    public var playPopularityWeight = 0.2
    public var noveltyWeight = 1.0
    public var noveltyDays = 30.0

    // viewing
    public var completionBias = -0.5
    public var completionSlope = 1.5

    // ratings
    /// Mean probability that a user rates a watched title (per-user rates are spread log-normally).
    public var rateProbability = 0.3
    public var ratingMean = 3.0
    public var ratingSlope = 0.8
    public var ratingNoise = 0.6

    /// How users change with what they see (satisfaction, churn, fatigue, novelty); off unless the config has
    /// a `dynamics:` block, so worlds without one generate exactly as before.
    public var dynamics = UserDynamics.off

    public init() {}

    /// Unix seconds of `startDate`, 00:00 UTC.
    public var startTimestamp: Int64 { Self.parseDate(startDate) ?? 1_704_067_200 }

    static func parseDate(_ s: String) -> Int64? {
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1970...2100).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return daysFromCivil(year: parts[0], month: parts[1], day: parts[2]) * 86_400
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    /// Year of a Unix timestamp (UTC).
    static func year(of timestamp: Int64) -> Int {
        // civil_from_days (H. Hinnant).
        let z = Int(timestamp >= 0 ? timestamp / 86_400 : (timestamp - 86_399) / 86_400) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Reads a world config file (see `parse(node:)`).
    public static func load(path: String) throws -> SyntheticConfig {
        try parse(node: try ConfigNode.load(path: path))
    }

    /// Reads a world config from a YAML mapping: a whole `datasets/*.yaml` file, or an inline block
    /// inside an experiment config. Unknown keys and out-of-range values are errors naming key and line.
    public static func parse(node: ConfigNode) throws -> SyntheticConfig {
        var c = SyntheticConfig()
        let m = try node.map()
        if let n = m.optional("name") {
            c.name = try SafeName.validate(try n.string(), what: "the world name", file: n.file, line: n.line, key: n.path)
        }
        if let n = m.optional("seed") {
            let v = try n.int()
            guard v >= 0 else { throw n.error("seed must be a non-negative integer") }
            c.seed = UInt64(v)
        }
        try readInt(m, "users", into: &c.users, range: usersRange)
        try readInt(m, "movies", into: &c.movies, range: moviesRange)
        try readInt(m, "days", into: &c.days, range: daysRange)
        if let n = m.optional("start_date") {
            let s = try n.string()
            guard parseDate(s) != nil else { throw n.error("expected a date YYYY-MM-DD between 1970 and 2100, got '\(s)'") }
            c.startDate = s
        }
        try readInt(m, "factors", into: &c.factors, range: factorsRange)

        if let t = m.optional("taste") {
            let s = try t.map()
            try readDouble(s, "scale", into: &c.tasteScale, range: 0...10)
            try readDouble(s, "genre_affinity", into: &c.genreAffinity, range: 0...10)
            try readDouble(s, "genre_coupling", into: &c.genreCoupling, range: 0...1)
            try readDouble(s, "quality", into: &c.qualityScale, range: 0...10)
            try readDouble(s, "user_bias", into: &c.userBiasScale, range: 0...10)
            try s.finish()
        }
        if let t = m.optional("catalogue") {
            let s = try t.map()
            try readDouble(s, "popularity_exponent", into: &c.popularityExponent, range: 0...5)
            try readDouble(s, "popularity_quality", into: &c.popularityQuality, range: 0...1)
            try readDouble(s, "years", into: &c.catalogueYears, range: 0...100)
            try readDouble(s, "recent_share", into: &c.recentShare, range: 0...1)
            try readDouble(s, "duration_minutes", into: &c.durationMinutes, range: 1...1_000)
            try readDouble(s, "duration_spread", into: &c.durationSpread, range: 0...2)
            try s.finish()
        }
        if let t = m.optional("activity") {
            let s = try t.map()
            try readDouble(s, "visit_probability", into: &c.visitProbability, range: 0...1)
            try readDouble(s, "spread", into: &c.activitySpread, range: 0...3)
            try readDouble(s, "max_visit_probability", into: &c.maxVisitProbability, range: 0...1)
            try s.finish()
        }
        if let t = m.optional("sessions") {
            let s = try t.map()
            try readDouble(s, "browse", into: &c.browse, range: 1...1_000)
            try readInt(s, "max_plays", into: &c.maxPlays, range: 1...1_000)
            try readDouble(s, "new_release_share", into: &c.newReleaseShare, range: 0...1)
            try readDouble(s, "genre_share", into: &c.genreShare, range: 0...1)
            try s.finish()
            if c.newReleaseShare + c.genreShare > 1 {
                throw t.error("new_release_share + genre_share must not exceed 1 (the rest browses by popularity)")
            }
        }
        if let t = m.optional("play") {
            let s = try t.map()
            try readDouble(s, "bias", into: &c.playBias, range: -20...20)
            try readDouble(s, "affinity_weight", into: &c.playAffinityWeight, range: -20...20)
            try readDouble(s, "popularity_weight", into: &c.playPopularityWeight, range: -20...20)
            try readDouble(s, "novelty_weight", into: &c.noveltyWeight, range: -20...20)
            try readDouble(s, "novelty_days", into: &c.noveltyDays, range: 0.01...36_500)
            try s.finish()
        }
        if let t = m.optional("viewing") {
            let s = try t.map()
            try readDouble(s, "completion_bias", into: &c.completionBias, range: -20...20)
            try readDouble(s, "completion_slope", into: &c.completionSlope, range: -20...20)
            try s.finish()
        }
        if let t = m.optional("ratings") {
            let s = try t.map()
            try readDouble(s, "rate_probability", into: &c.rateProbability, range: 0...1)
            try readDouble(s, "mean", into: &c.ratingMean, range: 0.5...5)
            try readDouble(s, "slope", into: &c.ratingSlope, range: -10...10)
            try readDouble(s, "noise", into: &c.ratingNoise, range: 0...10)
            try s.finish()
        }
        if let t = m.optional("dynamics") { c.dynamics = try UserDynamics.parse(node: t) }
        try m.finish()
        return c
    }

    private static func readInt(_ m: ConfigMap, _ key: String, into value: inout Int, range: ClosedRange<Int>) throws {
        guard let n = m.optional(key) else { return }
        let v = try n.int()
        guard range.contains(v) else { throw n.error("must be between \(range.lowerBound) and \(range.upperBound), got \(v)") }
        value = v
    }

    private static func readDouble(_ m: ConfigMap, _ key: String, into value: inout Double, range: ClosedRange<Double>) throws {
        guard let n = m.optional(key) else { return }
        let v = try n.double()
        guard range.contains(v) else { throw n.error("must be between \(range.lowerBound) and \(range.upperBound), got \(v)") }
        value = v
    }

    // The one range of each size, for the YAML keys and the `reclab generate` flags alike.
    /// Range of `users` (and `--users`).
    public static let usersRange = 1...10_000_000
    /// Range of `movies` (and `--movies`).
    public static let moviesRange = 1...1_000_000
    /// Range of `days` (and `--days`): a hundred years.
    public static let daysRange = 1...36_500
    /// Range of `factors`.
    public static let factorsRange = 1...256
    /// Largest estimated memory (bytes) a world may need while it is generated (`estimatedBytes`):
    /// each size is bounded alone, but users × days × visit probability can still ask for far more.
    public static let maxEstimatedBytes = 8.0 * 1_073_741_824

    /// A generous estimate of the memory generating this world takes: the users' and titles' state
    /// (twice: the world and its encoded ground truth) and the viewing events (reserved per worker at
    /// about 2.5 plays per visit, then gathered into one array).
    public var estimatedBytes: Double {
        let genres = 18.0, k = Double(factors)
        let perUser = 160 + 2 * (k + genres + 3) * 4
        let perMovie = 400 + 3 * (k + 16) * 4
        let eventBytes = Double(MemoryLayout<InteractionRecord>.stride)
        let events = Double(users) * Double(days) * visitProbability * 2.5
        return Double(users) * perUser + Double(movies) * perMovie + 2 * events * eventBytes
    }

    /// Checks every size against its range (naming the key) and the combinations a YAML file cannot see
    /// key by key (also used after CLI overrides).
    public func validate() throws {
        for (key, value, range) in [("users", users, Self.usersRange), ("movies", movies, Self.moviesRange),
                                    ("days", days, Self.daysRange), ("factors", factors, Self.factorsRange)]
            where !range.contains(value) {
            throw RecLabError.config("must be between \(range.lowerBound) and \(range.upperBound), got \(value)", key: key)
        }
        guard newReleaseShare + genreShare <= 1 else {
            throw RecLabError.config("new_release_share + genre_share must not exceed 1", key: "sessions")
        }
        let gib = 1_073_741_824.0
        guard estimatedBytes <= Self.maxEstimatedBytes else {
            throw RecLabError.config(String(format: "this world would need about %.1f GiB to generate (users × days × visit_probability = %d × %d × %g), above the limit of %.0f GiB; make it smaller",
                                            estimatedBytes / gib, users, days, visitProbability, Self.maxEstimatedBytes / gib),
                                     key: "users")
        }
    }

    /// A canonical one-line description (provenance in the dataset's `source`).
    public var summary: String {
        "users=\(users) movies=\(movies) days=\(days) start=\(startDate) factors=\(factors)"
    }

    /// Every parameter in a fixed order: two configs with the same fingerprint generate the same world.
    public var fingerprint: String {
        let values: [Double] = [tasteScale, genreAffinity, genreCoupling, qualityScale, userBiasScale,
                                popularityExponent, popularityQuality, catalogueYears, recentShare, durationMinutes,
                                durationSpread, visitProbability, activitySpread, maxVisitProbability, browse,
                                Double(maxPlays), newReleaseShare, genreShare, playBias, playAffinityWeight,
                                playPopularityWeight, noveltyWeight, noveltyDays, completionBias, completionSlope,
                                rateProbability, ratingMean, ratingSlope, ratingNoise]
        // Dynamics join the fingerprint only when switched on, so static worlds keep theirs.
        let dynamicsPart = dynamics.isOn ? " dynamics=" + dynamics.values.map { String($0) }.joined(separator: ",") : ""
        return summary + " params=" + values.map { String($0) }.joined(separator: ",") + dynamicsPart
    }
}
