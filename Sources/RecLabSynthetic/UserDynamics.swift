import Foundation
import RecLabConfig
import RecLabCore

/// How users change with what they are shown: satisfaction and return, churn, impression fatigue and novelty.
/// One model for the synthetic generator's logged history and the A/B simulator (both call these functions),
/// so the pre-period and the experiment follow the same dynamics.
///
/// - **Satisfaction and return.** Each user carries a satisfaction `s` in [-1, 1], 0 at the start. After every
///   visit it moves toward the visit's outcome `o` as an exponentially weighted average,
///   `s ← s + memory·(o − s)`, where `o = clamp(Σ_plays (2·completion − 1), −1, 1)` and `o = −1` for a visit
///   without a play ("nothing worth watching"): a finished title counts +1, an abandoned one toward −1. The next
///   day's visit probability is the user's base probability times `clamp(exp(return_strength·s), floor, ceiling)`.
///   This is the user-satisfaction state of RecSim's interest-evolution and long-term-satisfaction environments
///   (Ie et al., "RecSim: A configurable simulation platform for recommender systems", 2019), with the return
///   probability driven by the experience of past sessions as in Wu, Alvino, Xie and Li, "Returning is believing:
///   optimizing long-term user engagement in recommender systems" (CIKM 2017) and Zhao et al., "Reinforcement
///   learning to optimize long-term user engagement in recommender systems" (KDD 2019).
/// - **Churn.** After each visit the user leaves for good with probability `churn_hazard·max(0, −s)`: zero while
///   satisfied, rising linearly with dissatisfaction (a proportional-hazards form; the churn-as-absorbing-state
///   user of Chaney, Stewart and Engelhardt, "How algorithmic confounding in recommendation systems increases
///   homogeneity and decreases utility", RecSys 2018, is the same idea for feedback loops).
/// - **Impression fatigue.** Every time a title is shown without being played, the user's play log-odds for it
///   drop by `fatigue.strength`; the count decays with half-life `fatigue.recovery_days`. This is soft frequency
///   capping (Aharon et al., "Soft frequency capping for improved ad click prediction in Yahoo Gemini native",
///   CIKM 2019) and the repeated-exposure fatigue of Ma et al., "User fatigue in online news recommendation"
///   (WWW 2016).
/// - **Novelty.** A title's play log-odds rise by `novelty.strength·mean_g exp(−e_g / novelty.fade_impressions)`
///   over its genres g, where `e_g` counts the user's earlier exposures to genre g (history plays plus
///   impressions). Kinds of content new to the user attract extra plays at first and the boost fades as they
///   are shown more (the novelty effect of online experiments: Kohavi, Tang and Xu 2020, ch. 23).
///
/// Every strength 0 (the default when a world config has no `dynamics:` block) is the static model: visits at
/// the base probability, no churn, play probabilities untouched.
public struct UserDynamics: Codable, Sendable, Equatable {
    /// Weight of the latest visit in the running satisfaction (0: satisfaction never moves).
    public var satisfactionMemory = 0.0
    /// How strongly satisfaction moves the visit probability (multiplier `exp(strength·s)`).
    public var returnStrength = 0.0
    /// Bounds of the visit-probability multiplier.
    public var visitFloor = 0.25
    public var visitCeiling = 2.0
    /// Churn probability after a visit at satisfaction −1.
    public var churnHazard = 0.0
    /// Play log-odds lost per earlier unplayed impression of the same title.
    public var fatigueStrength = 0.0
    /// Half-life of the fatigue count, in days.
    public var fatigueRecoveryDays = 14.0
    /// Extra play log-odds for a genre new to the user.
    public var noveltyStrength = 0.0
    /// Exposures to a genre after which its novelty boost has fallen to 1/e.
    public var noveltyFadeImpressions = 20.0

    public init() {}

    /// The static model.
    public static let off = UserDynamics()

    /// Satisfaction changes anything (it moves, and it moves visits or churn).
    public var hasSatisfaction: Bool { satisfactionMemory > 0 && (returnStrength != 0 || churnHazard > 0) }
    public var hasFatigue: Bool { fatigueStrength != 0 }
    public var hasNovelty: Bool { noveltyStrength != 0 }
    /// Any effect switched on.
    public var isOn: Bool { hasSatisfaction || hasFatigue || hasNovelty }

    // MARK: The model

    /// Outcome of a visit from the completion fractions of its plays (−1 for a visit without plays).
    public static func visitOutcome(completions: some Sequence<Double>) -> Double {
        var o = 0.0, plays = 0
        for c in completions { o += 2 * c - 1; plays += 1 }
        return plays == 0 ? -1 : min(1, max(-1, o))
    }

    /// Satisfaction after a visit with outcome `outcome`.
    @inline(__always)
    public func satisfaction(after s: Double, outcome: Double) -> Double {
        min(1, max(-1, s + satisfactionMemory * (outcome - s)))
    }

    /// Multiplier of the base visit probability at satisfaction `s`.
    @inline(__always)
    public func visitMultiplier(satisfaction s: Double) -> Double {
        guard returnStrength != 0 else { return 1 }
        return min(visitCeiling, max(visitFloor, Foundation.exp(returnStrength * s)))
    }

    /// Visit probability at satisfaction `s` for a user whose base probability is `base` (at most 0.99).
    @inline(__always)
    public func visitProbability(base: Double, satisfaction s: Double) -> Double {
        guard returnStrength != 0 else { return base }
        return min(0.99, base * visitMultiplier(satisfaction: s))
    }

    /// Probability of churning right after a visit that left satisfaction at `s`.
    @inline(__always)
    public func churnProbability(satisfaction s: Double) -> Double { churnHazard * max(0, -s) }

    /// Fatigue count `count`, last raised on `lastDay`, as seen on `day` (halved every `fatigueRecoveryDays`).
    @inline(__always)
    public func decayedFatigue(count: Float, lastDay: Int32, day: Int) -> Double {
        let age = Double(day - Int(lastDay))
        return age <= 0 ? Double(count) : Double(count) * Foundation.exp2(-age / fatigueRecoveryDays)
    }

    /// The novelty boost (log-odds) of a title whose genres the user has seen `exposures` times each.
    @inline(__always)
    public func noveltyBoost(exposures: some Collection<Float>) -> Double {
        guard noveltyStrength != 0, !exposures.isEmpty else { return 0 }
        var sum = 0.0
        for e in exposures { sum += Foundation.exp(-Double(e) / noveltyFadeImpressions) }
        return noveltyStrength * sum / Double(exposures.count)
    }

    /// A play probability with its log-odds moved by `shift` (fatigue negative, novelty positive).
    @inline(__always)
    public static func shifted(_ p: Double, by shift: Double) -> Double {
        guard shift != 0, p > 0, p < 1 else { return p }
        let logit = Foundation.log(p / (1 - p)) + shift
        return 1 / (1 + Foundation.exp(-logit))
    }

    /// Each assumption of the model with this configuration, as a sentence for reports.
    public var assumptions: [String] {
        guard isOn else {
            return ["User dynamics are off (static users): every user visits with a fixed daily probability whatever they are shown, never churns, and plays by true affinity, popularity and release novelty only."]
        }
        func f(_ x: Double) -> String { String(format: "%g", x) }
        var out = [
            "User dynamics (world config `dynamics:`): satisfaction starts at 0 (or where the world's logged history left it) and after each visit moves toward the visit's outcome with weight \(f(satisfactionMemory)); outcome = clamp(Σ over plays of (2 × completion − 1), −1, 1), and −1 for a visit without a play (RecSim, Ie et al. 2019; Wu et al. 2017).",
            "Return: tomorrow's visit probability = base × clamp(exp(\(f(returnStrength)) × satisfaction), \(f(visitFloor)), \(f(visitCeiling))), at most 0.99.",
            "Churn: after a visit a user leaves for good with probability \(f(churnHazard)) × max(0, −satisfaction); churned users never return.",
        ]
        out.append(hasFatigue
            ? "Impression fatigue: each earlier impression of a title without a play lowers its play log-odds by \(f(fatigueStrength)); the count halves every \(f(fatigueRecoveryDays)) days (soft frequency capping, Aharon et al. 2019)."
            : "No impression fatigue: showing a title again does not change its appeal.")
        out.append(hasNovelty
            ? "Novelty: a title's play log-odds rise by \(f(noveltyStrength)) × mean over its genres of exp(−exposures / \(f(noveltyFadeImpressions))), exposures = the user's history plays plus impressions of that genre; kinds of content new to the user draw extra plays that fade."
            : "No genre novelty effect.")
        out.append("The generator draws the world's logged history with the same dynamics (browsing instead of a home page); the simulation starts from each user's satisfaction and churn state at the end of that history, with fatigue counts reset and genre exposures counted from history plays.")
        return out
    }

    // MARK: Config

    /// Reads the `dynamics:` block of a world config. Every key is optional; absent keys are the static model.
    public static func parse(node: ConfigNode) throws -> UserDynamics {
        var d = UserDynamics()
        let m = try node.map()
        func read(_ s: ConfigMap, _ key: String, _ path: WritableKeyPath<UserDynamics, Double>, _ range: ClosedRange<Double>) throws {
            guard let n = s.optional(key) else { return }
            let v = try n.double()
            guard range.contains(v) else { throw n.error("must be between \(range.lowerBound) and \(range.upperBound), got \(v)") }
            d[keyPath: path] = v
        }
        if let t = m.optional("satisfaction") {
            let s = try t.map()
            try read(s, "memory", \.satisfactionMemory, 0...1)
            try read(s, "return_strength", \.returnStrength, 0...10)
            try read(s, "visit_floor", \.visitFloor, 0...1)
            try read(s, "visit_ceiling", \.visitCeiling, 1...100)
            try read(s, "churn_hazard", \.churnHazard, 0...1)
            try s.finish()
        }
        if let t = m.optional("fatigue") {
            let s = try t.map()
            try read(s, "strength", \.fatigueStrength, 0...10)
            try read(s, "recovery_days", \.fatigueRecoveryDays, 0.01...3650)
            try s.finish()
        }
        if let t = m.optional("novelty") {
            let s = try t.map()
            try read(s, "strength", \.noveltyStrength, 0...10)
            try read(s, "fade_impressions", \.noveltyFadeImpressions, 0.01...1_000_000)
            try s.finish()
        }
        try m.finish()
        return d
    }

    /// The parameters in a fixed order (fingerprint and the ground-truth artifact).
    public var values: [Double] {
        [satisfactionMemory, returnStrength, visitFloor, visitCeiling, churnHazard, fatigueStrength, fatigueRecoveryDays,
         noveltyStrength, noveltyFadeImpressions]
    }

    init(values v: [Double]) throws {
        guard v.count == 9, v.allSatisfy(\.isFinite) else { throw RecLabError.data("ground truth: damaged dynamics parameters") }
        satisfactionMemory = v[0]; returnStrength = v[1]; visitFloor = v[2]; visitCeiling = v[3]; churnHazard = v[4]
        fatigueStrength = v[5]; fatigueRecoveryDays = v[6]; noveltyStrength = v[7]; noveltyFadeImpressions = v[8]
    }
}

/// One user's fatigue counts: title → (count, day last raised). Small per user (the titles shown and not played).
public struct FatigueState: Sendable {
    public var entries: [Int32: (count: Float, day: Int32)] = [:]
    public init() {}

    /// The decayed count of `item` on `day`.
    @inline(__always)
    public func count(_ item: Int32, day: Int, dynamics: UserDynamics) -> Double {
        guard let e = entries[item] else { return 0 }
        return dynamics.decayedFatigue(count: e.count, lastDay: e.day, day: day)
    }

    /// One more unplayed impression of `item` on `day`.
    public mutating func raise(_ item: Int32, day: Int, dynamics: UserDynamics) {
        let now = count(item, day: day, dynamics: dynamics)
        entries[item] = (Float(now + 1), Int32(day))
    }
}
