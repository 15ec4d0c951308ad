import Foundation
import RecLabCore

/// The partial result of one `ab-world` unit: one simulated world of an A/B config (the experiment, or the
/// truth world of one arm), holding everything of the simulation the analysis reads and nothing it does not
/// (no impression log, no timings). Deterministic: the same unit gives the same bytes.
public struct ABWorldUnitResult: Codable, Sendable, Equatable {
    public var unit: WorkUnit
    public var configHash: String
    public var datasetHash: String
    /// -1: the A/B world; otherwise the arm every user is served in this truth world.
    public var world: Int
    public var simulation: SimulatedWorld

    public init(unit: WorkUnit, configHash: String, datasetHash: String, world: Int, simulation: SimulatedWorld) {
        self.unit = unit; self.configHash = configHash; self.datasetHash = datasetHash; self.world = world
        self.simulation = simulation
    }

    /// Compact JSON (keys sorted, so the same result is the same bytes).
    public func encoded() throws -> Data { try WorkPlan.compactEncoder().encode(self) }

    public static func decode(_ data: Data, source: String) throws -> ABWorldUnitResult {
        do { return try ResultJSON.decoder().decode(ABWorldUnitResult.self, from: data) } catch let e as DecodingError {
            throw RecLabError.input("not a partial result of an A/B world unit: \(ResultDocument.describe(e))", file: source)
        }
    }
}

/// A simulation's output before statistics, as plain arrays (the engine's `SimulationResult` converts to and
/// from it and checks every size and index when reading one back: the file is untrusted).
public struct SimulatedWorld: Codable, Sendable, Equatable {
    public var armNames: [String]
    /// Arm per user; -1 = holdout.
    public var assignment: [Int]
    /// Per user, `totalsFields` values (in that order) over the experiment days.
    public var experiment: [Double]
    /// The same over the pre-period.
    public var pre: [Double]
    public var daily: [Day]
    /// Impressions per arm and item over the experiment.
    public var exposure: [[Int]]
    public var totalVisits: Int
    public var longTerm: Trace?
    public var featured: [Featured]

    /// The per-user totals, in the order `experiment` and `pre` hold them.
    public static let totalsFields = ["visits", "impressions", "plays", "watch_minutes", "completion", "novelty", "ratings",
                                      "featured_shows", "featured_plays", "active_days", "retained"]

    public init(armNames: [String], assignment: [Int], experiment: [Double], pre: [Double], daily: [Day], exposure: [[Int]],
                totalVisits: Int, longTerm: Trace?, featured: [Featured]) {
        self.armNames = armNames; self.assignment = assignment; self.experiment = experiment; self.pre = pre
        self.daily = daily; self.exposure = exposure; self.totalVisits = totalVisits; self.longTerm = longTerm
        self.featured = featured
    }

    /// One arm's simulated day.
    public struct Day: Codable, Sendable, Equatable {
        public var day: Int
        public var arm: Int
        public var visits: Int
        public var impressions: Int
        public var plays: Int
        public var userImpressions: [Double]
        public var userPlays: [Double]
        public var userMinutes: [Double]
        public var userCompletion: [Double]
        public var userNovelty: [Double]
        public var exposure: [Int]
        public var users: [Int32]

        public init(day: Int, arm: Int, visits: Int, impressions: Int, plays: Int, userImpressions: [Double], userPlays: [Double],
                    userMinutes: [Double], userCompletion: [Double], userNovelty: [Double], exposure: [Int], users: [Int32]) {
            self.day = day; self.arm = arm; self.visits = visits; self.impressions = impressions; self.plays = plays
            self.userImpressions = userImpressions; self.userPlays = userPlays; self.userMinutes = userMinutes
            self.userCompletion = userCompletion; self.userNovelty = userNovelty; self.exposure = exposure; self.users = users
        }
    }

    /// Per-user, per-day traces (users x days, row-major).
    public struct Trace: Codable, Sendable, Equatable {
        public var days: Int
        public var minutes: [Float]
        public var active: [UInt8]
        public var churnDay: [Int32]

        public init(days: Int, minutes: [Float], active: [UInt8], churnDay: [Int32]) {
            self.days = days; self.minutes = minutes; self.active = active; self.churnDay = churnDay
        }
    }

    /// A control visit's featured slot with every arm's pick (for OPE beside the truth).
    public struct Featured: Codable, Sendable, Equatable {
        public var user: Int32
        public var day: Int32
        public var picks: [Int32]
        public var pickPropensity: [Float]
        public var logged: Int32
        public var loggedPropensity: Float
        public var played: Bool

        public init(user: Int32, day: Int32, picks: [Int32], pickPropensity: [Float], logged: Int32, loggedPropensity: Float, played: Bool) {
            self.user = user; self.day = day; self.picks = picks; self.pickPropensity = pickPropensity; self.logged = logged
            self.loggedPropensity = loggedPropensity; self.played = played
        }
    }
}
