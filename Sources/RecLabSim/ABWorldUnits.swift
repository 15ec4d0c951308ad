import Foundation
import RecLabCore
import RecLabResults

/// An A/B simulation cut into independent units of work (`reclab plan`, `run-unit`, `gather`): unit 0 is the
/// A/B world, units 1...arms (with `truth: true`) the truth world of each arm. Every world takes its seed, salt
/// and per-user streams from the config alone, so a unit gives the same world wherever and whenever it runs;
/// `gather` feeds the worlds to `ABRunner.analyse`, the analysis `reclab simulate` runs.
extension ABRunner {
    /// The command name a plan of an A/B simulation carries.
    public static let planCommand = "simulate"

    /// The units of `config`: the experiment, then one truth world per arm (arm order).
    public static func units(of config: ABConfig) -> [WorkUnit] {
        var units = [WorkUnit(index: 0, id: "ab/experiment", kind: .abWorld, coordinates: ["world": -1])]
        if config.truth {
            for (a, arm) in config.simulation.arms.enumerated() {
                units.append(WorkUnit(index: a + 1, id: "ab/truth/\(arm.name)", kind: .abWorld, coordinates: ["world": a]))
            }
        }
        return units
    }

    /// The plan of `config` on `world`; arms too small to compare are refused now rather than after the work.
    public static func plan(_ config: ABConfig, configText: String, configPath: String, world: LoadedWorld) throws -> WorkPlan {
        try checkArmSizes(assigned: assignedUsers(world.dataset, config.simulation), settings: config.simulation, configPath: configPath,
                          what: "is assigned", of: "of the world's \(world.dataset.userCount) users")
        return WorkPlan(command: planCommand, name: config.name, configPath: configPath, configHash: SHA256.hexDigest(configText),
                        datasetHash: world.dataset.contentHash, seed: config.simulation.seed, units: units(of: config))
    }

    /// Checks that `plan` is a plan of `config` (same text, world and seed, exactly the units planning gives).
    public static func checkPlan(_ plan: WorkPlan, config: ABConfig, configText: String, world: LoadedWorld, source: String) throws {
        guard plan.command == planCommand else {
            throw RecLabError.input("this plan shards '\(SafeName.visible(plan.command))', not an A/B simulation", file: source)
        }
        guard plan.configHash == SHA256.hexDigest(configText) else {
            throw RecLabError.input("the config \(plan.configPath) changed since it was planned (its SHA-256 differs); plan again", file: source)
        }
        guard plan.datasetHash == world.dataset.contentHash else {
            throw RecLabError.input("the world's data changed since planning (content hash \(world.dataset.contentHash.prefix(12)), planned \(plan.datasetHash.prefix(12))); plan again", file: source)
        }
        guard plan.seed == config.simulation.seed else {
            throw RecLabError.input("seed \(plan.seed) is not the config's seed \(config.simulation.seed)", file: source)
        }
        guard plan.options == nil, plan.units == units(of: config) else {
            throw RecLabError.input("the units are not those planning gives for this config; plan again", file: source)
        }
    }

    /// Simulates the world of unit `index` of a checked plan. Returns the partial result (deterministic) and
    /// its timings (not).
    public static func runUnit(_ config: ABConfig, configText: String, world: LoadedWorld, plan: WorkPlan, index: Int, source: String,
                               context: RunContext = RunContext()) throws -> (result: ABWorldUnitResult, timing: UnitTiming) {
        try checkPlan(plan, config: config, configText: configText, world: world, source: source)
        guard plan.units.indices.contains(index) else {
            throw RecLabError.usage("unit \(index) is not in the plan (it has units 0 to \(plan.units.count - 1))")
        }
        let unit = plan.units[index]
        let w = try unit.coordinate("world", source: source)
        return try context.bound {
            let settings = simulationSettings(config, world: world, context: context, keepLog: false)
            let (result, seconds) = try context.clock.measure {
                try w < 0 ? simulateExperiment(settings, world: world, context: context, configPath: plan.configPath)
                          : simulateTruthWorld(w, settings: settings, world: world, context: context, configPath: plan.configPath)
            }
            let partial = ABWorldUnitResult(unit: unit, configHash: plan.configHash, datasetHash: plan.datasetHash, world: w,
                                            simulation: result.simulatedWorld)
            return (partial, UnitTiming(fitSeconds: result.fitSeconds, evalSeconds: max(0, seconds - result.fitSeconds)))
        }
    }

    /// The output of a checked plan from its units' partial results (each untrusted: its unit, hashes, world and
    /// every size and index are checked), through the analysis `reclab simulate` runs.
    public static func gather(_ config: ABConfig, configText: String, world: LoadedWorld, plan: WorkPlan, source: String,
                              context: RunContext = RunContext(), load: (Int) throws -> ABWorldUnitResult) throws -> ABRunOutput {
        try checkPlan(plan, config: config, configText: configText, world: world, source: source)
        let settings = simulationSettings(config, world: world, context: context, keepLog: false)
        func loaded(_ k: Int) throws -> SimulationResult {
            let r = try load(k)
            let what = "partial result of unit \(k) (\(plan.units[k].id))"
            let w = try plan.units[k].coordinate("world", source: source)
            guard r.unit == plan.units[k], r.configHash == plan.configHash, r.datasetHash == plan.datasetHash, r.world == w else {
                throw RecLabError.input("it belongs to another unit, config or world; run the unit again", file: what)
            }
            return try SimulationResult(r.simulation, settings: w < 0 ? settings : TruthWorlds.settings(arm: w, settings), users: world.dataset.userCount, items: world.dataset.itemCount, source: what)
        }
        let experiment = try loaded(0)
        return try context.bound {
            try analyse(config: config, configText: configText, configPath: plan.configPath, world: world, settings: settings,
                        result: experiment, context: context) { try settings.arms.indices.map { try loaded($0 + 1) } }
        }
    }
}

extension SimulationResult {
    /// The simulation as the plain arrays a partial result holds (everything the analysis reads).
    var simulatedWorld: SimulatedWorld {
        func flat(_ totals: [UserTotals]) -> [Double] {
            totals.flatMap { [$0.visits, $0.impressions, $0.plays, $0.watchMinutes, $0.completion, $0.novelty, $0.ratings,
                              $0.featuredShows, $0.featuredPlays, $0.activeDays, $0.retained] }
        }
        return SimulatedWorld(
            armNames: armNames, assignment: assignment, experiment: flat(experiment), pre: flat(pre),
            daily: daily.map { .init(day: $0.day, arm: $0.arm, visits: $0.visits, impressions: $0.impressions, plays: $0.plays,
                                     userImpressions: $0.userImpressions, userPlays: $0.userPlays, userMinutes: $0.userMinutes,
                                     userCompletion: $0.userCompletion, userNovelty: $0.userNovelty, exposure: $0.exposure, users: $0.users) },
            exposure: exposure, totalVisits: totalVisits,
            longTerm: longTerm.map { .init(days: $0.days, minutes: $0.minutes, active: $0.active, churnDay: $0.churnDay) },
            featured: featured.map { .init(user: $0.user, day: $0.day, picks: $0.picks, pickPropensity: $0.pickPropensity,
                                           logged: $0.logged, loggedPropensity: $0.loggedPropensity, played: $0.played) })
    }

    /// A simulation read back from a partial result, checked against the settings it was simulated with and
    /// the world's size (the analysis indexes by every array read here); `source` names it in errors.
    init(_ w: SimulatedWorld, settings s: SimulationSettings, users: Int, items: Int, source: String) throws {
        func bad(_ what: String) -> RecLabError { RecLabError.input("\(what); run the unit again", file: source) }
        let arms = s.arms.count, fields = SimulatedWorld.totalsFields.count
        guard w.armNames == s.arms.map(\.name) else { throw bad("its arms are not the config's") }
        guard w.assignment.count == users, w.assignment.allSatisfy({ (-1..<arms).contains($0) }) else { throw bad("its assignment is not one arm (or -1) per user") }
        guard w.experiment.count == users * fields, w.pre.count == users * fields else { throw bad("its per-user totals are not \(fields) values per user") }
        guard w.exposure.count == arms, w.exposure.allSatisfy({ $0.count == items }) else { throw bad("its exposure is not one count per arm and title") }
        guard w.totalVisits >= 0 else { throw bad("its visit count is negative") }
        for d in w.daily {
            let n = d.users.count
            guard (0..<s.days).contains(d.day), (0..<arms).contains(d.arm), d.exposure.count == items,
                  [d.userImpressions.count, d.userPlays.count, d.userMinutes.count, d.userCompletion.count, d.userNovelty.count].allSatisfy({ $0 == n }),
                  d.users.allSatisfy({ (0..<Int32(users)).contains($0) }) else { throw bad("a daily aggregate has a day, arm, user or size out of range") }
        }
        // Traces and featured slots are kept exactly when the settings keep them: either changes ab.json.
        guard (w.longTerm != nil) == s.longTerm else { throw bad(s.longTerm ? "it has no long-term traces" : "it has long-term traces its world does not keep") }
        if let t = w.longTerm {
            guard t.days == s.days, t.minutes.count == users * t.days, t.active.count == users * t.days, t.churnDay.count == users else {
                throw bad("its long-term traces are not one value per user and day")
            }
        }
        guard s.featuredLog || w.featured.isEmpty else { throw bad("it has featured-slot contexts its world does not keep") }
        for f in w.featured {
            guard (0..<Int32(users)).contains(f.user), f.picks.count == arms, f.pickPropensity.count == arms,
                  f.picks.allSatisfy({ (-1..<Int32(items)).contains($0) }), (-1..<Int32(items)).contains(f.logged) else {
                throw bad("a featured-slot context has a user, title or size out of range")
            }
        }
        func totals(_ flat: [Double]) -> [UserTotals] {
            (0..<users).map { u in
                let v = flat[(u * fields)..<((u + 1) * fields)].map { $0 }
                var t = UserTotals()
                t.visits = v[0]; t.impressions = v[1]; t.plays = v[2]; t.watchMinutes = v[3]; t.completion = v[4]; t.novelty = v[5]
                t.ratings = v[6]; t.featuredShows = v[7]; t.featuredPlays = v[8]; t.activeDays = v[9]; t.retained = v[10]
                return t
            }
        }
        self.init(armNames: w.armNames, assignment: w.assignment, experiment: totals(w.experiment), pre: totals(w.pre),
                  daily: w.daily.map {
                      var d = DailyArmAggregate(day: $0.day, arm: $0.arm, exposure: $0.exposure)
                      d.visits = $0.visits; d.impressions = $0.impressions; d.plays = $0.plays
                      d.userImpressions = $0.userImpressions; d.userPlays = $0.userPlays; d.userMinutes = $0.userMinutes
                      d.userCompletion = $0.userCompletion; d.userNovelty = $0.userNovelty; d.users = $0.users
                      return d
                  },
                  exposure: w.exposure, log: ImpressionLog(), totalVisits: w.totalVisits)
        longTerm = w.longTerm.map {
            var t = LongTermTrace(users: users, days: $0.days)
            t.minutes = $0.minutes; t.active = $0.active; t.churnDay = $0.churnDay
            return t
        }
        featured = w.featured.map {
            var f = FeaturedContext(user: $0.user, day: $0.day, picks: $0.picks, pickPropensity: $0.pickPropensity)
            f.logged = $0.logged; f.loggedPropensity = $0.loggedPropensity; f.played = $0.played
            return f
        }
    }
}
