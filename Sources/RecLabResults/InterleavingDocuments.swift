import Foundation

// MARK: - Interleaving simulation (interleaving.json)

/// A simulated interleaving (or multileaving) experiment: every user sees one page whose personalised rows
/// are team-drafted from the strategies; plays are credited to the team that contributed the title.
public struct InterleavingResults: Codable, Sendable {
    public var kind: String = "interleaving"
    public var runId: String
    public var name: String
    public var provenance: Provenance
    public var days: Int
    public var alpha: Double
    /// "synthetic" or "semi-synthetic".
    public var world: String
    /// `team-draft` (two strategies) or `team-draft-multileaving`.
    public var method: String
    /// What a user's preference is judged by: `plays` or `watch_minutes` credited to each team.
    public var credit: String
    /// Users with at least one interleaved visit (the unit of the test).
    public var users: Int
    public var teams: [InterleavingTeam]
    /// One per pair of strategies (a against b), Holm-adjusted over the pairs.
    public var pairs: [InterleavingPair]
    /// Cumulative preference of each pair at the end of each simulated day.
    public var daily: [InterleavingDaily]
    /// What the simulation and the test assume, in words.
    public var assumptions: [String]

    public init(runId: String, name: String, provenance: Provenance, days: Int, alpha: Double, world: String, method: String,
                credit: String, users: Int, teams: [InterleavingTeam], pairs: [InterleavingPair], daily: [InterleavingDaily],
                assumptions: [String]) {
        self.runId = runId; self.name = name; self.provenance = provenance; self.days = days; self.alpha = alpha
        self.world = world; self.method = method; self.credit = credit; self.users = users; self.teams = teams
        self.pairs = pairs; self.daily = daily; self.assumptions = assumptions
    }
}

public struct InterleavingTeam: Codable, Sendable, Equatable {
    public var name: String
    public var strategy: String
    public var parameters: [String: String]
    /// Impressions the team contributed (fairness: about equal shares).
    public var impressions: Int
    public var creditedPlays: Double
    public var creditedMinutes: Double

    public init(name: String, strategy: String, parameters: [String: String], impressions: Int, creditedPlays: Double,
                creditedMinutes: Double) {
        self.name = name; self.strategy = strategy; self.parameters = parameters; self.impressions = impressions
        self.creditedPlays = creditedPlays; self.creditedMinutes = creditedMinutes
    }
}

public struct InterleavingPair: Codable, Sendable, Equatable {
    public var a: String
    public var b: String
    /// Users whose credit for a is above b's (wins), below (losses), equal (ties, including no credited plays).
    public var wins: Int
    public var losses: Int
    public var ties: Int
    /// Δ = (wins − losses) / (wins + losses + ties), with its normal-approximation CI.
    public var preference: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// Exact two-sided sign test over users with a preference.
    public var pValue: Double
    public var pAdjusted: Double
    public var significant: Bool
    /// The preferred strategy when significant, else nil.
    public var winner: String?

    public init(a: String, b: String, wins: Int, losses: Int, ties: Int, preference: Double, ciLow: Double, ciHigh: Double,
                pValue: Double, pAdjusted: Double, significant: Bool, winner: String?) {
        self.a = a; self.b = b; self.wins = wins; self.losses = losses; self.ties = ties; self.preference = preference
        self.ciLow = ciLow; self.ciHigh = ciHigh; self.pValue = pValue; self.pAdjusted = pAdjusted
        self.significant = significant; self.winner = winner
    }
}

public struct InterleavingDaily: Codable, Sendable, Equatable {
    public var day: Int
    public var a: String
    public var b: String
    public var users: Int
    public var preference: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var pValue: Double

    public init(day: Int, a: String, b: String, users: Int, preference: Double, ciLow: Double, ciHigh: Double, pValue: Double) {
        self.day = day; self.a = a; self.b = b; self.users = users; self.preference = preference
        self.ciLow = ciLow; self.ciHigh = ciHigh; self.pValue = pValue
    }
}

// MARK: - Sequential analysis of an A/B test (the `sequential` block of ab.json)

/// Daily looks at an A/B test with a sequential test. Present in ab.json only when the config asks for one.
public struct SequentialResults: Codable, Sendable, Equatable {
    /// `confidence-sequence`, `obrien-fleming` or `pocock`.
    public var method: String
    public var alpha: Double
    /// The confidence sequence's N* (users); nil for group-sequential tests.
    public var tuning: Double?
    public var metrics: [SequentialMetric]
    /// How the boundaries were computed, how CUPED and Holm combine with them, in words.
    public var notes: [String]

    public init(method: String, alpha: Double, tuning: Double?, metrics: [SequentialMetric], notes: [String]) {
        self.method = method; self.alpha = alpha; self.tuning = tuning; self.metrics = metrics; self.notes = notes
    }
}

public struct SequentialMetric: Codable, Sendable, Equatable {
    public var metric: String
    public var arm: String
    /// The statistic is of CUPED-adjusted per-user values.
    public var cuped: Bool
    public var looks: [SequentialLook]
    /// First day the test alone could stop (|z| beyond its boundary), nil if never.
    public var stopDay: Int?
    /// First day it could stop with Holm's correction over every metric and arm, nil if never.
    public var holmStopDay: Int?

    public init(metric: String, arm: String, cuped: Bool, looks: [SequentialLook], stopDay: Int?, holmStopDay: Int?) {
        self.metric = metric; self.arm = arm; self.cuped = cuped; self.looks = looks; self.stopDay = stopDay
        self.holmStopDay = holmStopDay
    }
}

public struct SequentialLook: Codable, Sendable, Equatable {
    public var day: Int
    /// Users analysed so far (both arms).
    public var users: Int
    /// Information fraction the boundary was computed at (group-sequential: visits so far / visits by the
    /// horizon), or users / N* (confidence sequence).
    public var fraction: Double
    /// Treatment − control, and its always-valid (or repeated) confidence interval.
    public var difference: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var z: Double
    /// Critical |z| at this look (+inf: this look cannot stop the test).
    public var boundary: Double
    /// The fixed-horizon critical value, for comparison (what naive peeking uses).
    public var naiveBoundary: Double

    public init(day: Int, users: Int, fraction: Double, difference: Double, ciLow: Double, ciHigh: Double, z: Double,
                boundary: Double, naiveBoundary: Double) {
        self.day = day; self.users = users; self.fraction = fraction; self.difference = difference; self.ciLow = ciLow
        self.ciHigh = ciHigh; self.z = z; self.boundary = boundary; self.naiveBoundary = naiveBoundary
    }
}

// MARK: - Validation summaries (reports of `reclab validate interleaving` and `reclab validate peeking`)

/// Power against users for one method, averaged over seeds.
public struct PowerCurve: Codable, Sendable, Equatable {
    public var name: String
    public var users: [Int]
    public var power: [Double]

    public init(name: String, users: [Int], power: [Double]) { self.name = name; self.users = users; self.power = power }
}

/// `reclab validate interleaving`: interleaving's sensitivity against the A/B test's on the same pair.
public struct InterleavingValidationSummary: Codable, Sendable, Equatable {
    public var name: String
    public var world: String
    public var a: String
    public var b: String
    public var seeds: Int
    public var days: Int
    public var targetPower: Double
    public var alpha: Double
    /// Per seed: users interleaving needs for the target power (nil: not reached on the grid).
    public var interleavingUsers: [Double?]
    /// Per seed: users (both arms) the A/B test needs on its most sensitive metric, and that metric.
    public var abUsers: [Double?]
    public var abMetric: [String]
    /// Per seed: A/B users / interleaving users (nil when either was not reached).
    public var ratios: [Double?]
    /// Geometric mean of the ratios and a 95% interval (bootstrap over seeds of the geometric mean).
    public var ratioGeometricMean: Double
    public var ratioLow: Double
    public var ratioHigh: Double
    /// Seeds in which interleaving's preferred strategy is the one with the larger true effect.
    public var agreements: Int
    /// The true effect: each strategy's expected plays per user on its own top-picks row.
    public var trueValueA: Double
    public var trueValueB: Double
    public var curves: [PowerCurve]
    public var notes: [String]

    public init(name: String, world: String, a: String, b: String, seeds: Int, days: Int, targetPower: Double, alpha: Double,
                interleavingUsers: [Double?], abUsers: [Double?], abMetric: [String], ratios: [Double?],
                ratioGeometricMean: Double, ratioLow: Double, ratioHigh: Double, agreements: Int, trueValueA: Double,
                trueValueB: Double, curves: [PowerCurve], notes: [String]) {
        self.name = name; self.world = world; self.a = a; self.b = b; self.seeds = seeds; self.days = days
        self.targetPower = targetPower; self.alpha = alpha; self.interleavingUsers = interleavingUsers; self.abUsers = abUsers
        self.abMetric = abMetric; self.ratios = ratios; self.ratioGeometricMean = ratioGeometricMean; self.ratioLow = ratioLow
        self.ratioHigh = ratioHigh; self.agreements = agreements; self.trueValueA = trueValueA; self.trueValueB = trueValueB
        self.curves = curves; self.notes = notes
    }
}

/// `reclab validate peeking`: false positives under daily looks and the cost of stopping early.
public struct PeekingValidationSummary: Codable, Sendable, Equatable {
    public struct Method: Codable, Sendable, Equatable {
        public var name: String
        /// A/A salts in which the metric was ever significant over the daily looks.
        public var aaEverSignificant: Int
        /// Planted effect: seeds that stopped (crossed) by the horizon, mean stopping day of those, mean share
        /// of user-days saved against running to the horizon (0 for seeds that did not stop).
        public var plantedStopped: Int
        public var meanStopDay: Double
        public var userDaysSaved: Double

        public init(name: String, aaEverSignificant: Int, plantedStopped: Int, meanStopDay: Double, userDaysSaved: Double) {
            self.name = name; self.aaEverSignificant = aaEverSignificant; self.plantedStopped = plantedStopped
            self.meanStopDay = meanStopDay; self.userDaysSaved = userDaysSaved
        }
    }
    public var name: String
    public var world: String
    public var metric: String
    public var days: Int
    public var alpha: Double
    public var aaSalts: Int
    public var plantedSeeds: Int
    /// The fixed-horizon test on the last day: A/A false positives and planted-effect power.
    public var fixedAASignificant: Int
    public var fixedPlantedSignificant: Int
    public var methods: [Method]
    /// Share of A/A salts ever significant by each day (naive peeking and each method), for the chart.
    public var curves: [PowerCurve]
    public var notes: [String]

    public init(name: String, world: String, metric: String, days: Int, alpha: Double, aaSalts: Int, plantedSeeds: Int,
                fixedAASignificant: Int, fixedPlantedSignificant: Int, methods: [Method], curves: [PowerCurve], notes: [String]) {
        self.name = name; self.world = world; self.metric = metric; self.days = days; self.alpha = alpha; self.aaSalts = aaSalts
        self.plantedSeeds = plantedSeeds; self.fixedAASignificant = fixedAASignificant
        self.fixedPlantedSignificant = fixedPlantedSignificant; self.methods = methods; self.curves = curves; self.notes = notes
    }
}
