import Foundation
import RecLabCore
import RecLabSynthetic

/// The simulator's per-user dynamics state (see `UserDynamics` for the model): satisfaction, the simulated day a
/// user churned on (`Int32.max`: active; -1: churned in the world's history), impression-fatigue counts and genre
/// exposures. Raw buffers so a day's parallel user loop can update each user's own entries.
// @unchecked Sendable: raw buffers; within a day each worker touches only the entries of its own users, and the
// owner frees them after the simulation.
struct DynamicsState: @unchecked Sendable {
    let dynamics: UserDynamics
    let genres: Int
    let satisfaction: UnsafeMutableBufferPointer<Double>
    let churnDay: UnsafeMutableBufferPointer<Int32>
    let fatigue: UnsafeMutableBufferPointer<FatigueState>
    let exposure: UnsafeMutableBufferPointer<Float>

    init(users: Int, genres: Int, dynamics: UserDynamics) {
        self.dynamics = dynamics
        self.genres = genres
        let n = dynamics.isOn ? users : 0
        satisfaction = .allocate(capacity: n); satisfaction.initialize(repeating: 0)
        churnDay = .allocate(capacity: n); churnDay.initialize(repeating: .max)
        fatigue = .allocate(capacity: dynamics.hasFatigue ? n : 0); fatigue.initialize(repeating: FatigueState())
        exposure = .allocate(capacity: n * genres); exposure.initialize(repeating: 0)
    }

    func free() {
        satisfaction.deallocate(); churnDay.deallocate(); exposure.deallocate()
        fatigue.deinitialize(); fatigue.deallocate()
    }

    /// The world's play probability moved by fatigue (earlier unplayed impressions of the title) and novelty
    /// (the user's earlier exposure to its genres), both as of the start of the visit.
    @inline(__always)
    func adjustedPlayProbability(_ p: Double, user: Int, item: Int32, day: Int, itemGenres: [[Int32]]) -> Double {
        var shift = 0.0
        if dynamics.hasFatigue { shift -= dynamics.fatigueStrength * fatigue[user].count(item, day: day, dynamics: dynamics) }
        if dynamics.hasNovelty {
            let gs = itemGenres[Int(item)]
            if !gs.isEmpty { shift += dynamics.noveltyBoost(exposures: gs.map { exposure[user * genres + Int($0)] }) }
        }
        return UserDynamics.shifted(p, by: shift)
    }

    /// After a visit: unplayed impressions tire, shown genres lose novelty, satisfaction follows the outcome
    /// and a dissatisfied user may churn (a draw from the user-day's own churn stream, the same in every world).
    func afterVisit(_ visit: VisitRecord, user: Int, day: Int, seed: UInt64, itemGenres: [[Int32]]) {
        if dynamics.hasFatigue {
            for (k, item) in visit.items.enumerated() where visit.playedMinutes[k] < 0 {
                fatigue[user].raise(item, day: day, dynamics: dynamics)
            }
        }
        if dynamics.hasNovelty {
            for item in visit.items { for g in itemGenres[Int(item)] { exposure[user * genres + Int(g)] += 1 } }
        }
        if dynamics.hasSatisfaction {
            let s = dynamics.satisfaction(after: satisfaction[user], outcome: UserDynamics.visitOutcome(completions: visit.plays.map(\.completion)))
            satisfaction[user] = s
            if dynamics.churnHazard > 0 {
                var rng = SeededRandom(seed: seed ^ 0xC4_0A7E_5EED, stream: UInt64(user) &* 1_000_033 &+ UInt64(day))
                if rng.nextDouble() < dynamics.churnProbability(satisfaction: s) { churnDay[user] = Int32(day) }
            }
        }
    }
}

/// Per-user, per-experiment-day traces for the long-term metrics (retention, days active, cumulative watch time).
public struct LongTermTrace: Sendable {
    public let days: Int
    /// `users × days`, row-major: minutes watched that day.
    public var minutes: [Float]
    /// `users × days`: 1 when the user played something that day.
    public var active: [UInt8]
    /// Experiment day of the user's churn (they were active that day, gone after); `Int32.max`: never; -1: before.
    public var churnDay: [Int32]

    init(users: Int, days: Int) {
        self.days = days
        minutes = [Float](repeating: 0, count: users * days)
        active = [UInt8](repeating: 0, count: users * days)
        churnDay = [Int32](repeating: .max, count: users)
    }
}

/// A control-arm visit's featured slot (row 0, slot 0, always examined): what the control showed with its logged
/// propensity, whether it was played, and each arm's greedy pick with the control's probability of showing it.
public struct FeaturedContext: Sendable {
    public var user: Int32
    public var day: Int32
    /// Per arm: its greedy pick (-1: none).
    public var picks: [Int32]
    /// Per arm: the control's probability of showing that pick in the featured slot.
    public var pickPropensity: [Float]
    public var logged: Int32 = -1
    public var loggedPropensity: Float = 0
    public var played = false
}
