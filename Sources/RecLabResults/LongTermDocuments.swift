import Foundation

// MARK: - Long-term metrics and the truth beside the estimate (parts of ab.json)

/// Long-term outcomes of an A/B simulation: per-day curves per arm, per-day lifts against the control with
/// their intervals (and the true effect when truth worlds ran), and the days on which decisions flip.
public struct LongTermResults: Codable, Sendable, Equatable {
    /// Every assumption the user model makes, in words.
    public var assumptions: [String]
    public var daily: [LongTermDay]
    public var lifts: [DailyLift]
    public var flips: [DecisionFlip]

    public init(assumptions: [String], daily: [LongTermDay], lifts: [DailyLift], flips: [DecisionFlip]) {
        self.assumptions = assumptions; self.daily = daily; self.lifts = lifts; self.flips = flips
    }
}

/// One arm's long-term state at the end of one experiment day (0-based), over the arm's analysed users:
/// `retention` (share not churned), `cumulative_watch_minutes` and `days_active` (days with a play) so far.
public struct LongTermDay: Codable, Sendable, Equatable {
    public var day: Int
    public var arm: String
    /// Analysed users of the arm who churned by the end of the day.
    public var churned: Int
    public var metrics: [String: MetricSummary]

    public init(day: Int, arm: String, churned: Int, metrics: [String: MetricSummary]) {
        self.day = day; self.arm = arm; self.churned = churned; self.metrics = metrics
    }
}

/// A treatment arm's lift over the control on one day (cumulative metrics: up to that day), with its CI, and the
/// true effect of shipping the arm on that day when truth worlds ran.
public struct DailyLift: Codable, Sendable, Equatable {
    public var day: Int
    public var arm: String
    public var metric: String
    public var lift: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var trueEffect: Double?
    public var trueCiLow: Double?
    public var trueCiHigh: Double?

    public init(day: Int, arm: String, metric: String, lift: Double, ciLow: Double, ciHigh: Double) {
        self.day = day; self.arm = arm; self.metric = metric; self.lift = lift; self.ciLow = ciLow; self.ciHigh = ciHigh
    }
}

/// When the decision "this arm beats the control on this metric" turns over: the sign of the lift on its first
/// non-zero day, the first day from which it stays of the other sign (nil: never), and the first day from which the
/// CI stays on the other side of zero (nil: never). `source` is `ab` (the experiment's estimate) or `truth`.
public struct DecisionFlip: Codable, Sendable, Equatable {
    public var arm: String
    public var metric: String
    public var source: String
    public var earlySign: Int
    public var flipDay: Int?
    public var significantFlipDay: Int?

    public init(arm: String, metric: String, source: String, earlySign: Int, flipDay: Int?, significantFlipDay: Int?) {
        self.arm = arm; self.metric = metric; self.source = source; self.earlySign = earlySign
        self.flipDay = flipDay; self.significantFlipDay = significantFlipDay
    }
}

/// The counterfactual worlds of `truth: true`: one per arm in which every user is served that arm (common random
/// numbers across worlds), and what they say about the A/B test's estimates.
public struct TruthResults: Codable, Sendable, Equatable {
    /// Users in the paired comparison (visited at least once during the experiment).
    public var users: Int
    /// Per arm: each metric's value when everyone gets the arm.
    public var worlds: [TruthWorld]
    /// Per metric and treatment arm: the A/B estimate, the true effect and the bias.
    public var effects: [TruthEffect]
    /// Off-policy estimates of each treatment arm from the control arm's logs, beside the A/B and the truth.
    public var ope: [OPEBesideTruth]
    /// Why OPE was not run, when it was not.
    public var opeNote: String?

    public init(users: Int, worlds: [TruthWorld], effects: [TruthEffect], ope: [OPEBesideTruth], opeNote: String?) {
        self.users = users; self.worlds = worlds; self.effects = effects; self.ope = ope; self.opeNote = opeNote
    }
}

public struct TruthWorld: Codable, Sendable, Equatable {
    public var arm: String
    public var metrics: [String: MetricSummary]

    public init(arm: String, metrics: [String: MetricSummary]) { self.arm = arm; self.metrics = metrics }
}

/// One metric and treatment arm: the A/B lift with its CI, the true (global) effect of shipping the arm with its
/// paired CI, bias = A/B lift − true effect, and whether the A/B CI covered the true effect.
public struct TruthEffect: Codable, Sendable, Equatable {
    public var metric: String
    public var arm: String
    public var abLift: Double
    public var abCiLow: Double
    public var abCiHigh: Double
    public var trueEffect: Double
    public var trueCiLow: Double
    public var trueCiHigh: Double
    public var bias: Double
    public var covered: Bool

    public init(metric: String, arm: String, abLift: Double, abCiLow: Double, abCiHigh: Double, trueEffect: Double,
                trueCiLow: Double, trueCiHigh: Double) {
        self.metric = metric; self.arm = arm; self.abLift = abLift; self.abCiLow = abCiLow; self.abCiHigh = abCiHigh
        self.trueEffect = trueEffect; self.trueCiLow = trueCiLow; self.trueCiHigh = trueCiHigh
        bias = abLift - trueEffect
        covered = abCiLow <= trueEffect && trueEffect <= abCiHigh
    }
}

/// One treatment arm and OPE estimator on the featured-slot play rate (`featured_ctr`): the OPE estimate of the
/// effect, the A/B lift and the true effect, each with its 95% interval.
public struct OPEBesideTruth: Codable, Sendable, Equatable {
    public var arm: String
    public var estimator: String
    public var opeEffect: Double
    public var opeCiLow: Double
    public var opeCiHigh: Double
    /// Logged contexts the estimate used.
    public var n: Int
    public var abLift: Double
    public var abCiLow: Double
    public var abCiHigh: Double
    public var trueEffect: Double
    public var trueCiLow: Double
    public var trueCiHigh: Double

    public init(arm: String, estimator: String, opeEffect: Double, opeCiLow: Double, opeCiHigh: Double, n: Int,
                abLift: Double, abCiLow: Double, abCiHigh: Double, trueEffect: Double, trueCiLow: Double, trueCiHigh: Double) {
        self.arm = arm; self.estimator = estimator; self.opeEffect = opeEffect; self.opeCiLow = opeCiLow
        self.opeCiHigh = opeCiHigh; self.n = n; self.abLift = abLift; self.abCiLow = abCiLow; self.abCiHigh = abCiHigh
        self.trueEffect = trueEffect; self.trueCiLow = trueCiLow; self.trueCiHigh = trueCiHigh
    }
}
