import Foundation
import RecLabCore
import RecLabResults
import RecLabStats
import RecLabStrategies

/// `reclab validate interleaving` and `reclab validate peeking`: repeated-seed measurements of how much
/// faster interleaving and sequential tests decide than the fixed-horizon A/B test, in a world whose truth is known.
public enum FastDecisionValidation {
    // MARK: Interleaving sensitivity

    /// Each strategy's true value: expected plays per user of its own top-picks row on the first simulated day,
    /// Σ_slots examination(row 0, slot) × true play probability, over every user, the strategy fitted on the
    /// history (what the A/B arm would show first). Larger = the better strategy in truth.
    public static func trueValue(_ spec: ArmSpec, world: LoadedWorld, settings: SimulationSettings) throws -> Double {
        let d = world.dataset, nItems = d.itemCount
        let rec = try settings.strategies.make(type: spec.type, parameters: spec.parameters, world: world.behaviour)
        try rec.fit(TrainingSet(dataset: d, feedback: .implicit),
                    context: FitContext(seed: settings.seed &+ StableHash.fnv1a64(spec.name)))
        let unavailable = (0..<nItems).filter { !world.behaviour.isAvailable(item: $0, day: 0) }
        var scores = [Float](repeating: 0, count: nItems)
        var total = 0.0
        for u in 0..<d.userCount {
            scores.withUnsafeMutableBufferPointer { rec.score(user: u, into: $0) }
            for k in d.userStart[u]..<d.userStart[u + 1] { scores[Int(d.items[k])] = -.infinity }
            for i in unavailable { scores[i] = -.infinity }
            let top = scores.withUnsafeBufferPointer { TopK.select(scores: $0, k: settings.page.slots) }
            for (slot, s) in top.enumerated() {
                total += settings.page.examinationProbability(row: 0, slot: slot)
                    * world.behaviour.playProbability(user: u, item: Int(s.item), day: 0)
            }
        }
        return total / Double(max(d.userCount, 1))
    }

    /// The A/B metrics interleaving is compared with: users' responses (plays, minutes, visits). Novelty describes
    /// the recommended lists themselves (a popular-titles strategy differs from a personalised one before any user
    /// reacts), so it is not a measure of preference and is left out.
    public static let outcomeMetrics = ["ctr", "plays_per_visit", "completion_rate", "watch_minutes_per_user", "plays_per_user", "visits_per_user"]

    /// Users where a power curve first reaches `target`, interpolated on log(users); nil if never.
    static func usersFor(target: Double, grid: [Int], power: [Double]) -> Double? {
        guard let i = power.firstIndex(where: { $0 >= target }) else { return nil }
        if i == 0 { return Double(grid[0]) }
        let (x0, x1) = (log(Double(grid[i - 1])), log(Double(grid[i])))
        let (p0, p1) = (power[i - 1], power[i])
        return exp(p1 == p0 ? x1 : x0 + (target - p0) / (p1 - p0) * (x1 - x0))
    }

    /// The test sizes: about √2 apart from 8 users to 64 × the world's users (at most 1,000,000).
    static func grid(population: Int) -> [Int] {
        var out: [Int] = []
        var x = 8.0
        let top = Double(min(64 * max(population, 1), 1_000_000))
        while x <= top * 1.0001 { out.append(Int(x.rounded())); x *= 2.0.squareRoot() }
        return out
    }

    /// One arm's per-user values of an A/B metric (numerator, denominator 1 for per-user means).
    struct ArmValues { var x: [Double]; var y: [Double]; var ratio: Bool }

    /// Power at `n` users in total (n/2 per arm, drawn with replacement from the simulated users of each arm).
    static func abPower(_ t: ArmValues, _ c: ArmValues, n: Int, resamples: Int, alpha: Double, rng: inout SeededRandom) -> Double {
        let per = max(n / 2, 2)
        let crit = Normal.quantile(1 - alpha / 2)
        func draw(_ v: ArmValues) -> (est: Double, variance: Double) {
            var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
            for _ in 0..<per {
                let k = rng.nextInt(v.x.count)
                let x = v.x[k], y = v.y[k]
                sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y
            }
            let m = Double(per)
            let mx = sx / m, my = sy / m
            let vx = (sxx - m * mx * mx) / (m - 1)
            if !v.ratio { return (mx, vx / m) }
            // Delta method for sum(x)/sum(y) (Deng, Knoblich and Lu, KDD 2018).
            guard my > 0 else { return (.nan, .nan) }
            let vy = (syy - m * my * my) / (m - 1), cxy = (sxy - m * mx * my) / (m - 1)
            let r = mx / my
            return (r, (vx - 2 * r * cxy + r * r * vy) / (m * my * my))
        }
        var hits = 0
        for _ in 0..<resamples {
            let a = draw(t), b = draw(c)
            let se = (a.variance + b.variance).squareRoot()
            if se > 0 && abs(a.est - b.est) / se >= crit { hits += 1 }
        }
        return Double(hits) / Double(resamples)
    }

    /// Power of the sign test at `n` users drawn with replacement from the simulated users' scores.
    static func interleavingPower(_ d: [Int8], n: Int, resamples: Int, alpha: Double, rng: inout SeededRandom) -> Double {
        var hits = 0
        for _ in 0..<resamples {
            var w = 0, l = 0
            for _ in 0..<n { let x = d[rng.nextInt(d.count)]; if x > 0 { w += 1 } else if x < 0 { l += 1 } }
            if SignTest(wins: w, losses: l).pValue < alpha { hits += 1 }
        }
        return Double(hits) / Double(resamples)
    }

    /// Over `seeds` seeds: an interleaving simulation of the first two strategies and an A/B simulation of the
    /// same pair (first as control), each turned into power curves by resampling users; the users each needs for
    /// `targetPower`, their ratio, and agreement with the truth.
    public static func interleaving(config: InterleavingConfig, world: LoadedWorld, seeds: Int, resamples: Int = 100,
                                    targetPower: Double = 0.8, progress: ProgressReporter? = nil) throws -> InterleavingValidationSummary {
        let (specA, specB) = (config.teams[0], config.teams[1])
        let truthA = try trueValue(specA, world: world, settings: config.simulation)
        let truthB = try trueValue(specB, world: world, settings: config.simulation)
        let sizes = grid(population: world.dataset.userCount)
        var ilCurves: [[Double]] = []
        // Per seed, per outcome metric: the A/B power curve.
        var abCurves: [[String: [Double]]] = []
        var agreements = 0
        for k in 0..<seeds {
            let seed = config.simulation.seed &+ UInt64(k) &* 7919
            var il = config.simulation
            il.seed = seed; il.keepLog = false; il.teams = [specA, specB]
            let ilResult = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: il).run()
            let d = InterleavingAnalysis.scores(InterleavingAnalysis.credits(ilResult.teamVisits, teams: 2, credit: config.credit), a: 0, b: 1)
            let delta = d.reduce(0) { $0 + Int($1) }
            if (delta > 0 && truthA > truthB) || (delta < 0 && truthB > truthA) { agreements += 1 }

            let ab = SimulationSettings(seed: seed, days: il.days, preDays: 0, retrainEvery: il.retrainEvery, trainingScope: .arm,
                                        salt: "\(config.name)-validate-\(k)", page: il.page,
                                        arms: [ArmSpec(name: specA.name, type: specA.type, parameters: specA.parameters),
                                               ArmSpec(name: specB.name, type: specB.type, parameters: specB.parameters)],
                                        control: 0, keepLog: false, strategies: il.strategies)
            let abResult = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: ab).run()
            let users = ABAnalysis.analysedUsers(abResult)
            var rng = SeededRandom(seed: seed, stream: "validate-interleaving")
            var ilPower = [Double](repeating: 1, count: sizes.count)
            if d.count >= 2 {
                for (i, n) in sizes.enumerated() {
                    ilPower[i] = interleavingPower(d, n: n, resamples: resamples, alpha: config.alpha, rng: &rng)
                    if ilPower[i] >= 0.99 { break }   // the rest of the curve is ~1
                }
            } else { ilPower = ilPower.map { _ in 0 } }
            var curves: [String: [Double]] = [:]
            if users.allSatisfy({ $0.count >= 2 }) {
                for m in ABAnalysis.metrics where outcomeMetrics.contains(m.name) {
                    func values(_ arm: Int) -> ArmValues {
                        switch m.kind {
                        case .perUser(let f): return ArmValues(x: users[arm].map { f(abResult.experiment[$0]) }, y: users[arm].map { _ in 1 }, ratio: false)
                        case .ratio(let num, let den):
                            return ArmValues(x: users[arm].map { num(abResult.experiment[$0]) }, y: users[arm].map { den(abResult.experiment[$0]) }, ratio: true)
                        }
                    }
                    let (t, c) = (values(1), values(0))
                    var power = [Double](repeating: 1, count: sizes.count)
                    for (i, n) in sizes.enumerated() {
                        power[i] = abPower(t, c, n: n, resamples: resamples, alpha: config.alpha, rng: &rng)
                        if power[i] >= 0.99 { break }
                    }
                    curves[m.name] = power
                }
            }
            ilCurves.append(ilPower); abCurves.append(curves)
            progress?.advance()
        }
        progress?.finish()
        // The A/B test's most sensitive metric: the one whose power curve, averaged over seeds, reaches the target
        // with the fewest users (chosen once: picking each seed's best of several noisy curves would favour A/B).
        func mean(_ curves: [[Double]]) -> [Double] {
            sizes.indices.map { i in curves.reduce(0) { $0 + $1[i] } / Double(max(curves.count, 1)) }
        }
        let zero = [Double](repeating: 0, count: sizes.count)
        var bestMetric = outcomeMetrics[0], bestUsers: Double? = nil
        for name in outcomeMetrics {
            let needed = usersFor(target: targetPower, grid: sizes, power: mean(abCurves.map { $0[name] ?? zero }))
            if let needed, bestUsers == nil || needed < bestUsers! { bestMetric = name; bestUsers = needed }
        }
        let ilUsers = ilCurves.map { usersFor(target: targetPower, grid: sizes, power: $0) }
        let abUsers = abCurves.map { usersFor(target: targetPower, grid: sizes, power: $0[bestMetric] ?? zero) }
        let abMetric = [String](repeating: bestMetric, count: seeds)
        let ratios: [Double?] = zip(ilUsers, abUsers).map { il, ab in il != nil && ab != nil ? ab! / il! : nil }
        let ilCurve = mean(ilCurves), abCurve = mean(abCurves.map { $0[bestMetric] ?? zero })
        let logs = ratios.compactMap { $0 }.map { log($0) }
        var gm = Double.nan, lo = Double.nan, hi = Double.nan
        if !logs.isEmpty {
            gm = exp(logs.reduce(0, +) / Double(logs.count))
            // Percentile bootstrap over seeds of the geometric mean.
            var rng = SeededRandom(seed: config.simulation.seed, stream: "ratio-bootstrap")
            var means: [Double] = []
            for _ in 0..<2000 {
                var s = 0.0
                for _ in logs.indices { s += logs[rng.nextInt(logs.count)] }
                means.append(s / Double(logs.count))
            }
            means.sort()
            lo = exp(Descriptive.quantile(sorted: means, 0.025)); hi = exp(Descriptive.quantile(sorted: means, 0.975))
        }
        let notes = [
            "Power at n users: the share of \(resamples) tests significant at alpha \(config.alpha) when n users are drawn with replacement from one seed's simulated users (the simulated users stand for the population); interleaving uses the exact sign test on per-user preferences, the A/B test Welch or delta-method z on n/2 users per arm, on each of its outcome metrics (\(outcomeMetrics.joined(separator: ", "))); the A/B side is its most sensitive metric, the one whose power curve averaged over seeds reaches the target first (here \(bestMetric)).",
            "Users needed: where the power curve first reaches \(Int(targetPower * 100))%, interpolated on log(users) over a grid from 8 to \(sizes.last ?? 0) users (not reached: above the grid). A/B users count both arms.",
            "Agreement: interleaving's preferred strategy (sign of Δ over all users) against the true winner, the strategy whose own top-picks row has the larger expected plays per user (examination × true play probability) when fitted on the history.",
            "Both experiments run \(config.simulation.days) days on the same world and page, retraining every \(config.simulation.retrainEvery) days; each seed re-draws visits, clicks and plays (and the A/B assignment).",
        ] + (config.teams.count > 2 ? ["The config multileaves \(config.teams.count) strategies; the validation compares the first two."] : [])
        return InterleavingValidationSummary(
            name: config.name, world: world.kind, a: specA.name, b: specB.name, seeds: seeds, days: config.simulation.days,
            targetPower: targetPower, alpha: config.alpha, interleavingUsers: ilUsers, abUsers: abUsers, abMetric: abMetric,
            ratios: ratios, ratioGeometricMean: gm, ratioLow: lo, ratioHigh: hi, agreements: agreements, trueValueA: truthA,
            trueValueB: truthB, curves: [PowerCurve(name: "interleaving (sign test)", users: sizes, power: ilCurve),
                                         PowerCurve(name: "A/B, \(bestMetric)", users: sizes, power: abCurve)], notes: notes)
    }

    // MARK: Peeking

    static let sequentialMethods: [SequentialMethod] = [.confidenceSequence, .obrienFleming, .pocock]

    /// A/A tests looked at daily (one simulation without retraining, reassigned with `salts` salts: outcomes do
    /// not depend on the arm), and planted effects (the control against the first treatment arm, `seeds`
    /// simulations): how often
    /// each method is ever significant, when it stops, and what it saves against the fixed horizon.
    public static func peeking(config: ABConfig, world: LoadedWorld, metric: String, salts: Int, seeds: Int, retrain: Bool,
                               progress: ProgressReporter? = nil) throws -> PeekingValidationSummary {
        guard let m = ABAnalysis.metrics.first(where: { $0.name == metric }) else {
            throw RecLabError.usage("unknown metric '\(metric)'; expected one of: \(ABAnalysis.metrics.map(\.name).joined(separator: ", "))")
        }
        let alpha = config.analysis.alpha
        let days = config.simulation.days
        var s = config.simulation
        let control = s.arms[s.control]
        s.arms = [control, ArmSpec(name: control.name + "-copy", type: control.type, parameters: control.parameters)]
        s.control = 0; s.retrainEvery = 0; s.holdout = 0; s.keepLog = false
        let base = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: s).run()
        let tuning = config.analysis.sequentialTuning ?? Double(world.dataset.userCount)
        let naive = Normal.quantile(1 - alpha / 2)
        var methodsAA = [Int](repeating: 0, count: sequentialMethods.count)
        var naiveAA = 0, fixedAA = 0
        var everByDay = [[Double]](repeating: [Double](repeating: 0, count: days), count: sequentialMethods.count + 1)
        var boundaryCache: [[Int]: [[Double]]] = [:]
        for k in 0..<salts {
            let rule = HashAssignment(salt: "\(s.salt)-peek-\(k)", weights: [1, 1])
            let assignment = world.dataset.userKeys.map { rule.arm(for: $0)! }
            let (series, users, visitsSoFar) = SequentialAnalysis.looks(daily: base.daily, days: days, assignment: assignment, pre: base.pre,
                                                           arms: 2, control: 0, cuped: config.analysis.cuped, metrics: [m])
            let z = series[0].z
            if let last = z.last, last.isFinite, abs(last) >= naive { fixedAA += 1 }
            let naiveStop = SequentialAnalysis.stopDay(z: z, boundary: z.map { _ in naive })
            if naiveStop != nil { naiveAA += 1 }
            for d in 0..<days where naiveStop.map({ $0 <= d }) ?? false { everByDay[0][d] += 1 / Double(salts) }
            // Who visits when does not depend on the assignment: every salt has the same looks and boundaries.
            let key = users + visitsSoFar
            if boundaryCache[key] == nil {
                boundaryCache[key] = sequentialMethods.map { SequentialAnalysis.boundaries($0, alpha: alpha, users: users, visits: visitsSoFar, tuning: tuning) }
            }
            for j in sequentialMethods.indices {
                let stop = SequentialAnalysis.stopDay(z: z, boundary: boundaryCache[key]![j])
                if stop != nil { methodsAA[j] += 1 }
                for d in 0..<days where stop.map({ $0 <= d }) ?? false { everByDay[j + 1][d] += 1 / Double(salts) }
            }
            progress?.advance()
        }

        var p = config.simulation
        // The planted effect: the config's first treatment arm against its control (its true effect is whatever
        // the world makes of the two strategies; `oracle` gives a large one).
        let treatment = config.simulation.arms.indices.first { $0 != config.simulation.control }.map { config.simulation.arms[$0] }
            ?? ArmSpec(name: "oracle", type: OracleRecommender.typeName)
        p.arms = [control, treatment]
        p.control = 0; p.holdout = 0; p.keepLog = false
        if !retrain { p.retrainEvery = 0 }
        var stopped = [Int](repeating: 0, count: sequentialMethods.count)
        var stopDaySum = [Double](repeating: 0, count: sequentialMethods.count), saved = stopDaySum
        var fixedPlanted = 0
        var naivePlanted = (stopped: 0, daySum: 0.0, saved: 0.0)
        for k in 0..<seeds {
            var q = p
            q.seed = p.seed &+ UInt64(k) &* 7919; q.salt = "\(p.salt)-peek-planted-\(k)"
            let r = try ABSimulator(dataset: world.dataset, content: world.content, world: world.behaviour, settings: q).run()
            let (series, users, visitsSoFar) = SequentialAnalysis.looks(daily: r.daily, days: days, assignment: r.assignment, pre: r.pre,
                                                           arms: 2, control: 0, cuped: config.analysis.cuped, metrics: [m])
            let z = series[0].z
            if let last = z.last, last.isFinite, abs(last) >= naive { fixedPlanted += 1 }
            // User-days: visits per day (both arms); stopping after day d saves the visits of the later days.
            var visits = [Double](repeating: 0, count: days)
            for d in r.daily where d.day >= 0 && d.day < days { visits[d.day] += Double(d.visits) }
            let totalVisits = max(visits.reduce(0, +), 1)
            if let stop = SequentialAnalysis.stopDay(z: z, boundary: z.map { _ in naive }) {
                naivePlanted.stopped += 1; naivePlanted.daySum += Double(stop)
                naivePlanted.saved += visits[(stop + 1)...].reduce(0, +) / totalVisits / Double(seeds)
            }
            for (j, method) in sequentialMethods.enumerated() {
                if let stop = SequentialAnalysis.stopDay(z: z, boundary: SequentialAnalysis.boundaries(method, alpha: alpha, users: users, visits: visitsSoFar, tuning: tuning)) {
                    stopped[j] += 1; stopDaySum[j] += Double(stop)
                    saved[j] += visits[(stop + 1)...].reduce(0, +) / totalVisits / Double(seeds)
                }
            }
            progress?.advance()
        }
        progress?.finish()
        let methods = sequentialMethods.enumerated().map { j, method in
            PeekingValidationSummary.Method(name: method.rawValue, aaEverSignificant: methodsAA[j], plantedStopped: stopped[j],
                                            meanStopDay: stopped[j] > 0 ? stopDaySum[j] / Double(stopped[j]) : .nan,
                                            userDaysSaved: saved[j])
        }
        let curveNames = ["naive peeking (|z| ≥ \(String(format: "%.2f", naive)) any day)"] + sequentialMethods.map(\.rawValue)
        let curves = curveNames.enumerated().map { PowerCurve(name: $1, users: Array(0..<days), power: everByDay[$0]) }
        let notes = [
            "A/A: one simulation in which both arms run '\(control.type)' without retraining (each user's outcome is then the same in either arm), reassigned with \(salts) salts; each day is a look at the running per-user totals of the users seen so far.",
            "Planted effect: '\(control.type)' against '\(treatment.type)' (the config's first treatment arm), \(seeds) simulations\(retrain ? " with the config's retraining" : " without retraining"); stopping day = first day the method's boundary is crossed (day 0 = first experiment day); user-days saved = share of the experiment's visits after the stopping day (0 when it never stops).",
            "Confidence sequence tuning N* = \(Int(tuning)) users (analysis.sequential_tuning, else the world's users); group-sequential information fraction = visits so far / visits by the last day.",
            "Naive peeking: the fixed-horizon test at alpha \(alpha) applied every day; \(config.analysis.cuped ? "CUPED-adjusted (pre-period covariate, θ re-estimated each look)" : "raw") values.",
        ]
        return PeekingValidationSummary(name: config.name, world: world.kind, metric: metric, days: days, alpha: alpha, aaSalts: salts,
                                        plantedSeeds: seeds, fixedAASignificant: fixedAA, fixedPlantedSignificant: fixedPlanted,
                                        methods: [PeekingValidationSummary.Method(name: "naive peeking", aaEverSignificant: naiveAA,
                                                                                  plantedStopped: naivePlanted.stopped,
                                                                                  meanStopDay: naivePlanted.stopped > 0 ? naivePlanted.daySum / Double(naivePlanted.stopped) : .nan,
                                                                                  userDaysSaved: naivePlanted.saved)] + methods,
                                        curves: curves, notes: notes)
    }
}
