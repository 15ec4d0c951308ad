import Foundation
import RecLabCore
import RecLabStrategies
import RecLabSynthetic

/// Per-user totals over a period (the unit of analysis is the user).
public struct UserTotals: Sendable, Equatable {
    public var visits: Double = 0
    public var impressions: Double = 0
    public var plays: Double = 0
    public var watchMinutes: Double = 0
    /// Sum of completion fractions over plays.
    public var completion: Double = 0
    /// Sum of the self-information of impressed titles.
    public var novelty: Double = 0
    public var ratings: Double = 0
    /// Visits whose first tile (row 0, slot 0: always examined) was shown, and plays of it (OPE's featured slot).
    public var featuredShows: Double = 0
    public var featuredPlays: Double = 0
    /// Days with at least one play.
    public var activeDays: Double = 0
    /// 1 when the user has not churned by the end of the period (set once at the end, not summed).
    public var retained: Double = 0

    public init() {}

    mutating func add(_ o: UserTotals) {
        visits += o.visits; impressions += o.impressions; plays += o.plays; watchMinutes += o.watchMinutes
        completion += o.completion; novelty += o.novelty; ratings += o.ratings
        featuredShows += o.featuredShows; featuredPlays += o.featuredPlays; activeDays += o.activeDays
    }
}

/// Every impression of the simulation, with the probability the logging policy gave it (for off-policy
/// evaluation). Struct of arrays; row order = (day, user, row, slot).
public struct ImpressionLog: Sendable {
    public var day: [Int32] = []
    public var user: [Int32] = []
    /// Arm index; -1 = pre-period or holdout (served by the control's strategy).
    public var arm: [Int8] = []
    public var item: [Int32] = []
    public var row: [UInt8] = []
    public var slot: [UInt8] = []
    public var propensity: [Float] = []
    public var played: [Bool] = []
    public var watchMinutes: [Float] = []

    public var count: Int { item.count }
}

/// What a simulation produced, before statistics.
public struct SimulationResult: Sendable {
    public let armNames: [String]
    /// Arm index per user; -1 = holdout.
    public let assignment: [Int]
    /// Totals over the experiment days, per user.
    public let experiment: [UserTotals]
    /// Totals over the pre-period, per user (CUPED covariates).
    public let pre: [UserTotals]
    public let daily: [DailyArmAggregate]
    /// Impressions per item per arm over the experiment.
    public let exposure: [[Int]]
    public let log: ImpressionLog
    /// Visits simulated, pre-period included.
    public let totalVisits: Int
    /// Wall-clock seconds spent (re)fitting strategies and their row sources (for benchmarks; never in ab.json).
    public var fitSeconds: Double = 0
    /// Interleaving runs only (`SimulationSettings.teams`): each experiment visit's plays credited to the teams.
    public var teamVisits: [TeamVisitCredit] = []
    /// Interleaving runs only: impressions each team contributed over the experiment.
    public var teamImpressions: [Int] = []
    /// Per-user, per-day traces for long-term metrics (kept when `SimulationSettings.longTerm`).
    public var longTerm: LongTermTrace? = nil
    /// The control arm's featured-slot contexts with every other arm's choice (kept when `SimulationSettings.featuredLog`).
    public var featured: [FeaturedContext] = []

    /// The same per-user outcomes under another assignment. Valid only when outcomes do not depend on the
    /// arm, i.e. an A/A test without retraining (each user's page and behaviour are then identical in every
    /// arm), which makes the A/A false-positive check cheap: one simulation, many salts. Users must all have
    /// been assigned in the original run (no holdout). Daily aggregates and exposure are not recomputed.
    public func reassigned(_ newAssignment: [Int]) -> SimulationResult {
        precondition(newAssignment.count == assignment.count && !assignment.contains(-1))
        return SimulationResult(armNames: armNames, assignment: newAssignment, experiment: experiment, pre: pre,
                                daily: [], exposure: exposure, log: ImpressionLog(), totalVisits: totalVisits, fitSeconds: fitSeconds)
    }
}

/// One arm's day: sums plus the per-visiting-user values that daily CIs are computed from.
public struct DailyArmAggregate: Sendable {
    public var day: Int
    public var arm: Int
    public var visits = 0
    public var impressions = 0
    public var plays = 0
    /// Per visiting user that day.
    public var userImpressions: [Double] = []
    public var userPlays: [Double] = []
    public var userMinutes: [Double] = []
    public var userCompletion: [Double] = []
    public var userNovelty: [Double] = []
    public var exposure: [Int]
    /// The visiting users, in the order of the per-user arrays (sequential analyses rebuild running totals).
    public var users: [Int32] = []
}

/// The A/B simulation: users hashed into arms visit over simulated days, see a home page filled by their
/// arm's strategy, examine tiles with position bias and play by true affinity; strategies retrain on the
/// logged plays at a set cadence (the feedback loop).
///
/// Determinism: each (user, day) has its own random stream, and a user's page depends only on their arm's
/// model and their own history, so results do not depend on thread count or user order; two arms running the
/// same strategy without retraining give every user exactly the same outcomes whatever the assignment (A/A).
/// Cost per visit: one full scoring by the strategy (O(items) or more), O(items) masking and top-k, and
/// O(rows x slots) for the page.
public final class ABSimulator {
    public let dataset: Dataset
    public let content: DatasetContent
    public let world: any UserBehaviour
    public let settings: SimulationSettings
    /// Creates an unfitted strategy for an arm (by default from `settings.strategies`, world types bound to the world).
    public let makeStrategy: (ArmSpec) throws -> any Recommender
    /// Times the fits (the run context's monotonic clock).
    public let clock: RunClock

    public init(dataset: Dataset, content: DatasetContent, world: any UserBehaviour, settings: SimulationSettings,
                clock: RunClock = .system, makeStrategy: ((ArmSpec) throws -> any Recommender)? = nil) throws {
        guard world.userCount == dataset.userCount, world.itemCount == dataset.itemCount else {
            throw RecLabError.data("the world has \(world.userCount) users and \(world.itemCount) items but the dataset has \(dataset.userCount) and \(dataset.itemCount)")
        }
        guard dataset.userCount > 0, dataset.itemCount > 0 else { throw RecLabError.data("the dataset has no users or no movies") }
        self.dataset = dataset; self.content = content; self.world = world; self.settings = settings; self.clock = clock
        self.makeStrategy = makeStrategy ?? { spec in
            try settings.strategies.make(type: spec.type, parameters: spec.parameters, world: world)
        }
    }

    /// Per-arm model state: the fitted strategy and the page's row sources.
    /// A value: the day loop updates its row sources between days; a day's parallel user loop only reads it.
    struct ArmModel: Sendable {
        let recommender: any Recommender
        /// Interleaving: every team's fitted strategy (team-drafted into the personalised rows); empty otherwise.
        var teams: [any Recommender] = []
        /// Top co-watched titles per item (cosine over binary co-occurrence in the arm's training data).
        var neighbours: [[Int32]] = []
        /// Titles by recent plays, best first.
        var trending: [Int32] = []
        init(recommender: any Recommender) { self.recommender = recommender }
    }

    /// Most daily exposure counts a simulation keeps ((pre_period_days + days) × arms × titles; 8 bytes each).
    public static let maxDailyExposureCells = 400_000_000

    /// Runs the whole simulation.
    public func run(progress: ProgressReporter? = nil) throws -> SimulationResult {
        let s = settings
        let nUsers = dataset.userCount, nItems = dataset.itemCount, nArms = s.arms.count
        // Daily aggregates keep one exposure count per arm and title for every day: check before allocating.
        let cells = Double(s.preDays + s.days) * Double(nArms) * Double(nItems)
        guard cells <= Double(Self.maxDailyExposureCells) else {
            throw RecLabError.config("(pre_period_days + days) × arms × titles = \(s.preDays + s.days) × \(nArms) × \(nItems) is above the limit of \(Self.maxDailyExposureCells) daily exposure counts (memory); simulate fewer days or arms",
                                     key: "days")
        }
        let assignmentRule = HashAssignment(salt: s.salt, weights: s.arms.map(\.weight), holdout: s.holdout)
        // A truth world (`everyoneOn`) serves every user the one arm.
        let assignment = s.everyoneOn.map { a in [Int](repeating: a, count: nUsers) } ?? dataset.userKeys.map { assignmentRule.arm(for: $0) ?? -1 }
        let activeArms = s.everyoneOn.map { [$0] } ?? Array(0..<nArms)

        // User state: watched titles (sorted), latest play, genre counts.
        var watched = [[Int32]](repeating: [], count: nUsers)
        var lastPlayed = [Int32](repeating: -1, count: nUsers)
        let nGenres = max(1, dataset.genreNames.count)
        var genreCounts = [Int32](repeating: 0, count: nUsers * nGenres)
        var itemUsers = [Int](repeating: 0, count: nItems)
        for u in 0..<nUsers {
            let r = dataset.userStart[u]..<dataset.userStart[u + 1]
            var seen = Set<Int32>()
            for k in r {
                let i = dataset.items[k]
                if seen.insert(i).inserted { itemUsers[Int(i)] += 1 }
                for g in dataset.itemGenres[Int(i)] { genreCounts[u * nGenres + Int(g)] += 1 }
            }
            watched[u] = seen.sorted()
            if !r.isEmpty { lastPlayed[u] = dataset.items[r.upperBound - 1] }
        }
        // Self-information of each title from historical reach (Zhou et al., PNAS 2010): -log2(share of users).
        let novelty = itemUsers.map { -log2(max(Double($0), 1) / Double(nUsers)) }
        let itemGenres = dataset.itemGenres
        let genreItems: [[Int32]] = {
            var g = [[Int32]](repeating: [], count: nGenres)
            for (i, gs) in dataset.itemGenres.enumerated() { for x in gs { g[Int(x)].append(Int32(i)) } }
            return g
        }()
        let historicalPopularity: [Int32] = (0..<Int32(nItems)).sorted { (a: Int32, b: Int32) -> Bool in
            let ca = itemUsers[Int(a)], cb = itemUsers[Int(b)]
            return ca > cb || (ca == cb && a < b)
        }

        // User dynamics (UserDynamics): satisfaction, churn day, fatigue and genre exposure per user.
        let dyn = world.dynamics
        let dynState = DynamicsState(users: nUsers, genres: nGenres, dynamics: dyn)
        defer { dynState.free() }
        if dyn.isOn {
            for u in 0..<nUsers {
                dynState.satisfaction[u] = world.initialSatisfaction(user: u)
                dynState.churnDay[u] = world.churnedAtStart(user: u) ? -1 : Int32.max
                for g in 0..<nGenres { dynState.exposure[u * nGenres + g] = Float(genreCounts[u * nGenres + g]) }
            }
        }
        var trace = s.longTerm ? LongTermTrace(users: nUsers, days: s.days) : nil
        var featured: [FeaturedContext] = []
        let featuredOn = s.featuredLog && s.page.rows.first == .topPicks

        let baseTime = (dataset.timestamps.max() ?? 0) + 86_400
        var sharedLog: [InteractionRecord] = []          // pre-period (and every arm when scope is shared)
        var armLog = [[InteractionRecord]](repeating: [], count: nArms)
        var armPlays = [[(day: Int, item: Int32)]](repeating: [], count: nArms)
        var prePlays: [(day: Int, item: Int32)] = []

        var experiment = [UserTotals](repeating: UserTotals(), count: nUsers)
        var pre = [UserTotals](repeating: UserTotals(), count: nUsers)
        var daily: [DailyArmAggregate] = []
        var exposure = [[Int]](repeating: [Int](repeating: 0, count: nItems), count: nArms)
        var log = ImpressionLog()
        var totalVisits = 0
        var teamVisits: [TeamVisitCredit] = []
        var teamImpressions = [Int](repeating: 0, count: s.teams.count)

        var fitSeconds = 0.0
        func timed<T>(_ body: () throws -> T) rethrows -> T {
            let (value, seconds) = try clock.measure(body)
            fitSeconds += seconds
            return value
        }
        func fitModel(_ spec: ArmSpec, day: Int, train: TrainingSet) throws -> ArmModel {
            try timed {
                func fitted(_ spec: ArmSpec) throws -> any Recommender {
                    let rec = try makeStrategy(spec)
                    do {
                        try rec.fit(train, context: FitContext(seed: s.seed &+ UInt64(day) &* 1_000_003 &+ StableHash.fnv1a64(spec.name)))
                    } catch var e as RecLabError {
                        // The data of that day made it fail: say which arm, so the config entry can be found.
                        e.message = "arm '\(spec.name)' (strategy \(spec.type)) cannot be fitted on simulated day \(day): \(e.message)"
                        throw e
                    }
                    return rec
                }
                // Interleaving: the teams are the strategies; the first one also scores the non-drafted rows.
                let teams = try s.teams.map(fitted)
                var model = ArmModel(recommender: try teams.first ?? fitted(spec))
                model.teams = teams
                if s.page.rows.contains(.becauseYouWatched) {
                    model.neighbours = Self.coWatched(train: train, keep: s.page.slots * 2)
                }
                return model
            }
        }
        /// Each arm's training view: history, the pre-period and (scope `arm`) its own users' plays or (scope
        /// `shared`) every arm's. One dataset holds all logs; arms select rows from it, so the dense data is
        /// built once per refit instead of once per arm. Experiment-period rows belong to their user's arm.
        func trainingSets() -> [TrainingSet] {
            timed {
                let all = sharedLog + armLog.flatMap { $0 }
                var c = content
                c.interactions.append(contentsOf: all)
                let master = all.isEmpty ? dataset : Dataset(content: c, contentHash: dataset.contentHash)
                if s.trainingScope == .shared || armLog.allSatisfy(\.isEmpty) {
                    let t = TrainingSet(dataset: master, feedback: .implicit)
                    return [TrainingSet](repeating: t, count: nArms)
                }
                let sharedEnd = baseTime + Int64(s.preDays) * 86_400
                return (0..<nArms).map { a in
                    var rows: [Int32] = []
                    rows.reserveCapacity(master.interactionCount)
                    for k in 0..<master.interactionCount where master.timestamps[k] < sharedEnd || assignment[Int(master.users[k])] == a {
                        rows.append(Int32(k))
                    }
                    return TrainingSet(dataset: master, rows: rows, feedback: .implicit)
                }
            }
        }
        func trending(_ plays: [(day: Int, item: Int32)], today: Int) -> [Int32] {
            var counts = [Int](repeating: 0, count: nItems)
            var any = false
            for p in plays.reversed() {
                if p.day < today - 7 { break }
                counts[Int(p.item)] += 1; any = true
            }
            if !any { return Array(historicalPopularity.prefix(200)) }
            var ranked: [Int32] = (0..<Int32(nItems)).filter { counts[Int($0)] > 0 }
            ranked.sort { (a: Int32, b: Int32) -> Bool in
                let ca = counts[Int(a)], cb = counts[Int(b)]
                return ca > cb || (ca == cb && a < b)
            }
            let rest: [Int32] = historicalPopularity.filter { counts[Int($0)] == 0 }
            return Array((ranked + rest).prefix(200))
        }

        let control = s.control
        var preModel: ArmModel? = nil
        var models: [ArmModel] = []
        let totalDays = s.preDays + s.days

        for day in 0..<totalDays {
            let isPre = day < s.preDays
            let expDay = day - s.preDays
            // (Re)fit.
            if isPre {
                if preModel == nil {
                    preModel = try fitModel(s.arms[control], day: day, train: TrainingSet(dataset: dataset, feedback: .implicit))
                }
                preModel!.trending = trending(prePlays, today: day)
            } else {
                let refit = expDay == 0 || (s.retrainEvery > 0 && expDay % s.retrainEvery == 0)
                // Trending is refreshed with the models (the same batch job): with `retrain_every: 0` nothing
                // learned from the experiment's logs reaches the page, so arms running one strategy stay identical.
                if refit {
                    let trains = trainingSets()
                    // Only the arms that serve someone are fitted (a truth world has one); the others alias it.
                    var fitted = [ArmModel?](repeating: nil, count: nArms)
                    for a in activeArms { fitted[a] = try fitModel(s.arms[a], day: day, train: trains[a]) }
                    models = (0..<nArms).map { fitted[$0] ?? fitted[activeArms[0]]! }
                    for a in activeArms {
                        let plays = s.trainingScope == .arm ? prePlays + armPlays[a] : prePlays + armPlays.flatMap { $0 }
                        models[a].trending = trending(plays, today: day)
                    }
                }
            }
            // Holdout users and the pre-period are served by the control's model.
            // Titles not yet released today (checked once per day, not per visit).
            let unavailable: [Int32] = (0..<Int32(nItems)).filter { !world.isAvailable(item: Int($0), day: day) }
            let servingModels: [ArmModel] = isPre ? [ArmModel](repeating: preModel!, count: nArms) : models
            let holdoutModel = isPre ? preModel! : models[control]

            // Simulate every user's day in parallel chunks; each chunk writes only its own users' state.
            // BLAS single-threaded inside (strategies score with it; the chunks already use every core).
            BLASThreads.begin()
            let lock = NSLock()
            var chunkOutputs: [(start: Int, visits: [VisitRecord], featured: [FeaturedContext])] = []
            watched.withUnsafeMutableBufferPointer { watchedBuf in
                lastPlayed.withUnsafeMutableBufferPointer { lastBuf in
                    genreCounts.withUnsafeMutableBufferPointer { genreBuf in
                        Parallel.forEachChunk(nUsers, minChunk: 32) { range in
                            var scores = [Float](repeating: 0, count: nItems)
                            var teamScores = [[Float]](repeating: [Float](repeating: 0, count: nItems), count: s.teams.count)
                            var shownStamp = [Int32](repeating: -1, count: nItems)
                            var out: [VisitRecord] = []
                            var featuredOut: [FeaturedContext] = []
                            for u in range {
                                // A churned user never comes back (churnDay: the day of their last visit).
                                if dyn.hasSatisfaction && Int(dynState.churnDay[u]) < day { continue }
                                var rng = SeededRandom(seed: s.seed, stream: UInt64(u) &* 1_000_033 &+ UInt64(day))
                                var visitP = world.visitProbability(user: u, day: day)
                                if dyn.hasSatisfaction { visitP = dyn.visitProbability(base: visitP, satisfaction: dynState.satisfaction[u]) }
                                guard rng.nextDouble() < visitP else { continue }
                                let a = assignment[u]
                                let model = a >= 0 ? servingModels[a] : holdoutModel
                                let epsilon = (!isPre && a >= 0) ? s.arms[a].epsilon : 0
                                var ctx = VisitContext(user: u, day: day, nItems: nItems, nGenres: nGenres, page: s.page,
                                                       epsilon: epsilon, genreItems: genreItems, itemGenres: itemGenres,
                                                       unavailable: unavailable)
                                // OPE: before the control user's visit changes their history, every other arm's greedy choice.
                                var context: FeaturedContext? = nil
                                if featuredOn && !isPre && a == control {
                                    context = scores.withUnsafeMutableBufferPointer { sb in
                                        Self.featuredChoices(user: u, day: day, models: servingModels, control: control, epsilon: epsilon,
                                                             watched: watchedBuf[u], unavailable: unavailable, scores: sb)
                                    }
                                }
                                let visit = scores.withUnsafeMutableBufferPointer { sb in
                                    shownStamp.withUnsafeMutableBufferPointer { st in
                                        ctx.simulate(model: model, world: world, scores: sb, shownStamp: st,
                                                     watched: &watchedBuf[u], lastPlayed: &lastBuf[u],
                                                     genreCounts: UnsafeMutableBufferPointer(rebasing: genreBuf[(u * nGenres)..<((u + 1) * nGenres)]),
                                                     teamScores: &teamScores, dynamics: dyn.isOn ? dynState : nil, rng: &rng)
                                    }
                                }
                                if dyn.isOn { dynState.afterVisit(visit, user: u, day: day, seed: s.seed, itemGenres: itemGenres) }
                                if var c = context, let first = visit.items.first {
                                    c.logged = first; c.loggedPropensity = visit.propensities[0]; c.played = visit.playedMinutes[0] >= 0
                                    featuredOut.append(c)
                                }
                                out.append(visit)
                            }
                            lock.lock(); chunkOutputs.append((range.lowerBound, out, featuredOut)); lock.unlock()
                        }
                    }
                }
            }
            BLASThreads.end()
            chunkOutputs.sort { $0.start < $1.start }

            // Merge in user order: totals, logs, daily aggregates.
            var dayAgg = (0..<nArms).map { DailyArmAggregate(day: expDay, arm: $0, exposure: [Int](repeating: 0, count: nItems)) }
            var sequence: Int64 = 0
            for chunk in chunkOutputs {
                featured.append(contentsOf: chunk.featured)
                for v in chunk.visits {
                    totalVisits += 1
                    let a = assignment[v.user]
                    let loggedArm: Int8 = (isPre || a < 0) ? -1 : Int8(a)
                    var t = UserTotals()
                    t.visits = 1
                    t.impressions = Double(v.items.count)
                    if !v.items.isEmpty && v.rows[0] == 0 && v.slots[0] == 0 {
                        t.featuredShows = 1; t.featuredPlays = v.playedMinutes[0] >= 0 ? 1 : 0
                    }
                    if !v.plays.isEmpty { t.activeDays = 1 }
                    if !isPre && a >= 0 && trace != nil {
                        trace!.minutes[v.user * s.days + expDay] += Float(v.plays.reduce(0) { $0 + $1.minutes })
                        if !v.plays.isEmpty { trace!.active[v.user * s.days + expDay] = 1 }
                    }
                    for (k, item) in v.items.enumerated() {
                        t.novelty += novelty[Int(item)]
                        if s.keepLog {
                            // Interleaving logs the team that contributed the title (-1: a row no team drafts).
                            log.day.append(Int32(day)); log.user.append(Int32(v.user))
                            log.arm.append(v.teams.isEmpty || isPre ? loggedArm : v.teams[k])
                            log.item.append(item); log.row.append(v.rows[k]); log.slot.append(v.slots[k])
                            log.propensity.append(v.propensities[k]); log.played.append(v.playedMinutes[k] >= 0)
                            log.watchMinutes.append(max(0, v.playedMinutes[k]))
                        }
                    }
                    for p in v.plays {
                        t.plays += 1; t.watchMinutes += p.minutes; t.completion += p.completion
                        if p.rating != nil { t.ratings += 1 }
                        sequence += 1
                        let record = InteractionRecord(userId: dataset.userStoreIds[v.user], movieId: dataset.movies[Int(p.item)].id,
                                                       timestamp: baseTime + Int64(day) * 86_400 + sequence % 86_000,
                                                       rating: p.rating.map { Float($0) },
                                                       watchSeconds: Float(p.minutes * 60), completion: Float(p.completion))
                        if isPre || a < 0 {
                            if isPre { sharedLog.append(record); prePlays.append((day, p.item)) }
                        } else {
                            armLog[a].append(record); armPlays[a].append((day, p.item))
                        }
                    }
                    if !isPre && !v.teams.isEmpty {
                        var credit = TeamVisitCredit(day: Int32(expDay), user: Int32(v.user), teams: s.teams.count)
                        for k in v.items.indices where v.teams[k] >= 0 {
                            let team = Int(v.teams[k])
                            teamImpressions[team] += 1
                            if v.playedMinutes[k] >= 0 { credit.plays[team] += 1; credit.minutes[team] += v.playedMinutes[k] }
                        }
                        teamVisits.append(credit)
                    }
                    if isPre {
                        pre[v.user].add(t)
                    } else if a >= 0 {
                        experiment[v.user].add(t)
                        var d = dayAgg[a]
                        d.visits += 1; d.impressions += v.items.count; d.plays += v.plays.count
                        d.userImpressions.append(t.impressions); d.userPlays.append(t.plays)
                        d.userMinutes.append(t.watchMinutes); d.userCompletion.append(t.completion)
                        d.userNovelty.append(t.novelty); d.users.append(Int32(v.user))
                        for item in v.items { d.exposure[Int(item)] += 1; exposure[a][Int(item)] += 1 }
                        dayAgg[a] = d
                    }
                }
            }
            if !isPre { daily.append(contentsOf: dayAgg) }
            progress?.advance()
        }
        progress?.finish()
        // Retention: still active after the last simulated day.
        let lastDay = Int32(totalDays - 1)
        // Holdout users keep empty experiment totals (they are not analysed).
        for u in 0..<nUsers where assignment[u] >= 0 { experiment[u].retained = (dyn.hasSatisfaction && dynState.churnDay[u] <= lastDay) ? 0 : 1 }
        if var tr = trace {
            // The experiment day each user churned on (Int32.max: never; -1: before the experiment).
            for u in 0..<nUsers {
                let d = dyn.hasSatisfaction ? dynState.churnDay[u] : Int32.max
                tr.churnDay[u] = d == Int32.max ? .max : max(-1, d - Int32(s.preDays))
            }
            trace = tr
        }
        var result = SimulationResult(armNames: s.arms.map(\.name), assignment: assignment, experiment: experiment, pre: pre,
                                      daily: daily, exposure: exposure, log: log, totalVisits: totalVisits, fitSeconds: fitSeconds)
        result.longTerm = trace
        result.featured = featured
        result.teamVisits = teamVisits; result.teamImpressions = teamImpressions
        return result
    }

    /// Each arm's greedy first pick for `user` (their unseen, released titles) and the probability the control's
    /// epsilon-greedy featured slot gives it: the contexts OPE estimates the other arms from.
    static func featuredChoices(user: Int, day: Int, models: [ArmModel], control: Int, epsilon: Double, watched: [Int32],
                                unavailable: [Int32], scores: UnsafeMutableBufferPointer<Float>) -> FeaturedContext {
        var picks = [Int32](repeating: -1, count: models.count)
        var eligible = 0
        for (a, model) in models.enumerated() {
            model.recommender.score(user: user, into: scores)
            for i in watched { scores[Int(i)] = -.infinity }
            for i in unavailable { scores[Int(i)] = -.infinity }
            var best = -1
            var count = 0
            for i in scores.indices where scores[i].isFinite {
                count += 1
                if best < 0 || scores[i] > scores[best] { best = i }
            }
            picks[a] = Int32(best)
            if a == control { eligible = count }
        }
        let share = eligible > 0 ? epsilon / Double(eligible) : 0
        let mu = picks.map { p -> Float in
            guard p >= 0 else { return 0 }
            return Float(p == picks[control] ? (1 - epsilon) + share : share)
        }
        return FeaturedContext(user: Int32(user), day: Int32(day), picks: picks, pickPropensity: mu)
    }

    /// For each item, the `keep` items most co-watched with it by cosine similarity of binary user vectors
    /// (ties toward lower index). O(sum over users of history^2).
    static func coWatched(train: TrainingSet, keep: Int) -> [[Int32]] {
        let nItems = train.itemCount
        let byItem = train.byItem, byUser = train.byUser
        let counts = (0..<nItems).map { Double(byItem.count(ofRow: $0)) }
        var result = [[Int32]](repeating: [], count: nItems)
        let lock = NSLock()
        Parallel.forEachChunk(nItems, minChunk: 64) { range in
            var co = [Float](repeating: 0, count: nItems)
            var touched: [Int32] = []
            var local: [(Int, [Int32])] = []
            for i in range {
                touched.removeAll(keepingCapacity: true)
                for k in byItem.range(ofRow: i) {
                    let u = Int(byItem.columns[k])
                    for m in byUser.range(ofRow: u) {
                        let j = byUser.columns[m]
                        if Int(j) == i { continue }
                        if co[Int(j)] == 0 { touched.append(j) }
                        co[Int(j)] += 1
                    }
                }
                var scored = touched.map { j in (j, Double(co[Int(j)]) / (counts[i] * counts[Int(j)]).squareRoot()) }
                for j in touched { co[Int(j)] = 0 }
                scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                local.append((i, scored.prefix(keep).map(\.0)))
            }
            lock.lock(); for (i, n) in local { result[i] = n }; lock.unlock()
        }
        return result
    }
}

/// One visit's page and outcome.
struct VisitRecord {
    var user: Int
    var items: [Int32] = []
    var rows: [UInt8] = []
    var slots: [UInt8] = []
    var propensities: [Float] = []
    /// Minutes watched per impression, -1 when not played.
    var playedMinutes: [Float] = []
    /// Interleaving: the team that contributed each impression (-1 for rows no team drafts); empty otherwise.
    var teams: [Int8] = []
    var plays: [(item: Int32, minutes: Double, completion: Double, rating: Double?)] = []
}

/// Builds one user's home page and simulates what they do with it.
struct VisitContext {
    let user: Int, day: Int, nItems: Int, nGenres: Int
    let page: PageLayout
    let epsilon: Double
    let genreItems: [[Int32]]
    let itemGenres: [[Int32]]
    let unavailable: [Int32]

    mutating func simulate(model: ABSimulator.ArmModel, world: any UserBehaviour, scores: UnsafeMutableBufferPointer<Float>,
                           shownStamp: UnsafeMutableBufferPointer<Int32>, watched: inout [Int32], lastPlayed: inout Int32,
                           genreCounts: UnsafeMutableBufferPointer<Int32>, teamScores: inout [[Float]], dynamics: DynamicsState? = nil,
                           rng: inout SeededRandom) -> VisitRecord {
        var visit = VisitRecord(user: user)
        let stamp = Int32(truncatingIfNeeded: day &* 1_000_003 &+ user)
        model.recommender.score(user: user, into: scores)
        for i in watched { scores[Int(i)] = -.infinity }
        for i in unavailable { scores[Int(i)] = -.infinity }
        for i in 0..<nItems where !scores[i].isFinite && scores[i] != -.infinity { scores[i] = -.infinity }
        let interleaved = !model.teams.isEmpty
        if interleaved {
            // Each team scores the user; titles the page may not show are masked the same way for all.
            for t in model.teams.indices {
                teamScores[t].withUnsafeMutableBufferPointer { ts in
                    model.teams[t].score(user: user, into: ts)
                    for i in 0..<nItems where scores[i] == -.infinity || !ts[i].isFinite { ts[i] = -.infinity }
                }
            }
        }
        var rowTeams: [Int8] = []
        @inline(__always) func available(_ i: Int32) -> Bool { scores[Int(i)] != -.infinity && shownStamp[Int(i)] != stamp }

        // Favourite genres, most watched first.
        let favourites = (0..<nGenres).filter { genreCounts[$0] > 0 }
            .sorted { genreCounts[$0] > genreCounts[$1] || (genreCounts[$0] == genreCounts[$1] && $0 < $1) }
        var genreRowsSoFar = 0
        var rowIndex = 0
        for kind in page.rows {
            var tiles: [(Int32, Float)] = []
            rowTeams.removeAll(keepingCapacity: true)
            switch kind {
            case .topPicks where interleaved:
                let rankings = teamScores.map { ts in
                    ts.withUnsafeBufferPointer { TopK.select(scores: $0, k: page.slots * 2 + 8) }
                        .map(\.item).filter { shownStamp[Int($0)] != stamp }
                }
                for pick in TeamDraft.merge(rankings: rankings, length: page.slots, rng: &rng) {
                    tiles.append((pick.item, 1)); rowTeams.append(Int8(pick.team))
                }
            case .topPicks:
                let candidates = TopK.select(scores: UnsafeBufferPointer(scores), k: page.slots * 2 + 8)
                    .map(\.item).filter { shownStamp[Int($0)] != stamp }
                var greedy = candidates.makeIterator()
                let eligible = Double(scores.filter { $0 != -.infinity }.count)
                while tiles.count < page.slots {
                    if epsilon > 0 && rng.nextDouble() < epsilon {
                        // Uniform exploration over unseen, not-yet-shown titles (rejection sampling).
                        var pick: Int32 = -1
                        for _ in 0..<64 {
                            let i = Int32(rng.nextInt(nItems))
                            if available(i) && !tiles.contains(where: { $0.0 == i }) { pick = i; break }
                        }
                        if pick >= 0 { tiles.append((pick, Float(epsilon / max(eligible, 1)))); continue }
                    }
                    guard let next = greedy.next() else { break }
                    if tiles.contains(where: { $0.0 == next }) { continue }
                    tiles.append((next, Float((1 - epsilon) + epsilon / max(eligible, 1))))
                }
            case .becauseYouWatched:
                guard lastPlayed >= 0, Int(lastPlayed) < model.neighbours.count else { break }
                for j in model.neighbours[Int(lastPlayed)] where available(j) {
                    tiles.append((j, 1)); if tiles.count == page.slots { break }
                }
            case .trending:
                for j in model.trending where available(j) {
                    tiles.append((j, 1)); if tiles.count == page.slots { break }
                }
            case .genre:
                guard genreRowsSoFar < favourites.count else { break }
                let g = favourites[genreRowsSoFar]
                genreRowsSoFar += 1
                var best = genreItems[g].filter { available($0) }
                if interleaved {
                    let rankings = teamScores.map { ts in
                        best.sorted { ts[Int($0)] > ts[Int($1)] || (ts[Int($0)] == ts[Int($1)] && $0 < $1) }
                    }
                    for pick in TeamDraft.merge(rankings: rankings, length: page.slots, rng: &rng) {
                        tiles.append((pick.item, 1)); rowTeams.append(Int8(pick.team))
                    }
                    break
                }
                best.sort { scores[Int($0)] > scores[Int($1)] || (scores[Int($0)] == scores[Int($1)] && $0 < $1) }
                tiles = best.prefix(page.slots).map { ($0, 1) }
            }
            if tiles.isEmpty { continue }
            for (slot, tile) in tiles.enumerated() {
                shownStamp[Int(tile.0)] = stamp
                visit.items.append(tile.0); visit.rows.append(UInt8(rowIndex)); visit.slots.append(UInt8(slot))
                visit.propensities.append(tile.1); visit.playedMinutes.append(-1)
                if interleaved { visit.teams.append(rowTeams.isEmpty ? -1 : rowTeams[slot]) }
            }
            rowIndex += 1
        }

        // Examine and play (row-major scan; a visit ends after maxPlaysPerVisit plays).
        for k in visit.items.indices {
            if visit.plays.count >= page.maxPlaysPerVisit { break }
            let examine = page.examinationProbability(row: Int(visit.rows[k]), slot: Int(visit.slots[k]))
            let u1 = rng.nextDouble(), u2 = rng.nextDouble()
            guard u1 < examine else { continue }
            let item = visit.items[k]
            var playP = world.playProbability(user: user, item: Int(item), day: day)
            if let dynamics { playP = dynamics.adjustedPlayProbability(playP, user: user, item: item, day: day, itemGenres: itemGenres) }
            guard u2 < playP else { continue }
            let w = world.sampleWatch(user: user, item: Int(item), rng: &rng)
            let rating = world.sampleRating(user: user, item: Int(item), completion: w.completion, rng: &rng)
            visit.plays.append((item, w.minutes, w.completion, rating))
            visit.playedMinutes[k] = Float(w.minutes)
            // The user's state moves on: the title is watched, it seeds "because you watched", its genres count.
            let pos = watched.firstIndex { $0 > item } ?? watched.count
            watched.insert(item, at: pos)
            lastPlayed = item
            for g in itemGenres[Int(item)] { genreCounts[Int(g)] += 1 }
        }
        return visit
    }
}
