import Foundation
import RecLabCore
import RecLabResults
import RecLabStats

/// Daily looks at a simulated A/B test with a sequential test (RecLabStats): each experiment day is a look at
/// the running per-user totals of the users who visited so far; the statistic is the same z as the
/// fixed-horizon analysis (Welch for per-user means, delta method for ratios), compared with the method's
/// boundary at that look.
///
/// - Confidence sequence: boundary c(n) at n analysed users (both arms), N* = `sequential_tuning` or the users
///   assigned to the test; its always-valid p-values make Holm valid at any stopping time.
/// - Group-sequential (Lan-DeMets spending): the information fraction of a look is the share of the horizon's
///   user-days (visits of analysed users) seen so far (known in a simulation; in practice a traffic forecast).
///   Per-user totals accumulate over the days, so information grows with visits, not with users: when every
///   user is present from the start and days are independent, Corr(Z_j, Z_k) = √(visits_j / visits_k); with new
///   users only, visits = users; a user's days being positively correlated only raises the correlation, which
///   makes the boundaries conservative. (The users fraction would let the last looks, where few new users come,
///   spend their alpha as if they were one look: measured, 11% false positives for O'Brien-Fleming.) Holm across metrics and arms follows the graphical
///   approach of W. Maurer and F. Bretz, "Multiple testing in group sequential trials using graphical
///   approaches" (Stat. Biopharm. Res. 5, 2013): each open hypothesis is tested with boundaries for alpha / (open
///   hypotheses); when one is rejected the others' level rises and their boundaries (past looks included) are
///   recomputed.
/// - CUPED: per-user metrics are tested on CUPED-adjusted values at every look, with θ re-estimated on the users
///   seen so far (pooled over arms) and the pre-period as covariate, as GrowthBook combines the two; the
///   adjustment only lowers the variance, the boundary is unchanged.
public enum SequentialAnalysis {
    /// One comparison's daily statistic.
    public struct LookSeries: Sendable {
        public var metric: String
        public var arm: Int
        public var cuped: Bool
        public var difference: [Double]
        public var standardError: [Double]
        public var z: [Double]
    }

    /// The z statistic of every metric and treatment arm at the end of each experiment day, the analysed users
    /// (every arm) by each day and their visits so far. Arms come from `assignment` (so an A/A simulation can be
    /// reassigned).
    public static func looks(daily: [DailyArmAggregate], days: Int, assignment: [Int], pre: [UserTotals], arms: Int,
                             control: Int, cuped: Bool, metrics: [ABMetric] = ABAnalysis.metrics)
        -> (series: [LookSeries], users: [Int], visits: [Int]) {
        var running = [UserTotals](repeating: UserTotals(), count: assignment.count)
        var byDay = [[DailyArmAggregate]](repeating: [], count: days)
        for d in daily where d.day >= 0 && d.day < days { byDay[d.day].append(d) }
        var series: [LookSeries] = []
        for m in metrics {
            let isMean: Bool
            if case .perUser = m.kind { isMean = true } else { isMean = false }
            for a in 0..<arms where a != control {
                series.append(LookSeries(metric: m.name, arm: a, cuped: cuped && isMean, difference: [], standardError: [], z: []))
            }
        }
        var users: [Int] = [], visits: [Int] = []
        var visitCount = 0
        var visited = [[Int]](repeating: [], count: arms)
        for day in 0..<days {
            for d in byDay[day] {
                for (k, u32) in d.users.enumerated() {
                    let u = Int(u32)
                    guard assignment[u] >= 0 else { continue }
                    if running[u].visits == 0 { visited[assignment[u]].append(u) }
                    visitCount += 1
                    running[u].visits += 1; running[u].impressions += d.userImpressions[k]; running[u].plays += d.userPlays[k]
                    running[u].watchMinutes += d.userMinutes[k]; running[u].completion += d.userCompletion[k]
                    running[u].novelty += d.userNovelty[k]
                }
            }
            users.append(visited.reduce(0) { $0 + $1.count }); visits.append(visitCount)
            var s = 0
            for m in metrics {
                var cupedAdjusted: [[Double]]? = nil
                if case .perUser(let f) = m.kind, cuped, visited.allSatisfy({ $0.count >= 2 }) {
                    cupedAdjusted = CUPED(outcomes: visited.map { $0.map { f(running[$0]) } },
                                          covariates: visited.map { $0.map { f(pre[$0]) } }).adjusted
                }
                for a in 0..<arms where a != control {
                    var diff = Double.nan, se = Double.nan
                    switch m.kind {
                    case .perUser(let f):
                        let t = MeanSummary(cupedAdjusted?[a] ?? visited[a].map { f(running[$0]) })
                        let c = MeanSummary(cupedAdjusted?[control] ?? visited[control].map { f(running[$0]) })
                        diff = t.mean - c.mean; se = (t.standardError * t.standardError + c.standardError * c.standardError).squareRoot()
                    case .ratio(let num, let den):
                        let t = RatioMetric(numerators: visited[a].map { num(running[$0]) }, denominators: visited[a].map { den(running[$0]) })
                        let c = RatioMetric(numerators: visited[control].map { num(running[$0]) }, denominators: visited[control].map { den(running[$0]) })
                        diff = t.ratio - c.ratio; se = (t.standardError * t.standardError + c.standardError * c.standardError).squareRoot()
                    }
                    series[s].difference.append(diff); series[s].standardError.append(se)
                    series[s].z.append(se > 0 && se.isFinite && diff.isFinite ? diff / se : .nan)
                    s += 1
                }
            }
        }
        return (series, users, visits)
    }

    /// Information fractions of the looks (visits so far / visits at the last look), made strictly increasing
    /// for the spending recursion: `distinct` holds the fractions that add information and `index[d]` the one
    /// look d uses (-1 before the first visit).
    static func fractions(visits users: [Int]) -> (distinct: [Double], index: [Int]) {
        let total = Double(max(users.last ?? 0, 1))
        var distinct: [Double] = [], index: [Int] = []
        for n in users {
            let t = Double(n) / total
            if n > 0 && (distinct.last.map { t > $0 + 1e-9 } ?? true) { distinct.append(t) }
            index.append(n > 0 ? distinct.count - 1 : -1)
        }
        return (distinct, index)
    }

    /// Critical |z| per look for a method at level `alpha` (+inf where a look cannot stop the test): `users` per
    /// look for the confidence sequence, `visits` per look (the information) for the group-sequential tests.
    public static func boundaries(_ method: SequentialMethod, alpha: Double, users: [Int], visits: [Int], tuning: Double) -> [Double] {
        switch method {
        case .none:
            return users.map { _ in Normal.quantile(1 - alpha / 2) }
        case .confidenceSequence:
            let cs = ConfidenceSequence(alpha: alpha, tuning: tuning)
            return users.map { cs.zBoundary(n: $0) }
        case .obrienFleming, .pocock:
            let (distinct, index) = fractions(visits: visits)
            guard !distinct.isEmpty else { return users.map { _ in .infinity } }
            let b = GroupSequential.boundaries(spending: method == .pocock ? .pocock : .obrienFleming, alpha: alpha,
                                               fractions: distinct, grid: 301)
            // A look that adds no user repeats the previous one: it cannot stop a test the previous look did not.
            return index.enumerated().map { d, i in i < 0 || (d > 0 && index[d - 1] == i) ? Double.infinity : b[i] }
        }
    }

    /// First look (day) at which |z| reaches the boundary, nil if none.
    public static func stopDay(z: [Double], boundary: [Double]) -> Int? {
        zip(z, boundary).enumerated().first { $0.element.0.isFinite && abs($0.element.0) >= $0.element.1 }?.offset
    }

    /// Holm over every comparison: the day each could stop (see the type's comment for each method).
    static func holmStopDays(_ method: SequentialMethod, alpha: Double, series: [LookSeries], users: [Int], visits: [Int],
                             tuning: Double) -> [Int?] {
        let m = series.count, days = users.count
        var stop = [Int?](repeating: nil, count: m)
        guard m > 0 else { return stop }
        if method == .confidenceSequence {
            let cs = ConfidenceSequence(alpha: alpha, tuning: tuning)
            var running = [Double](repeating: 1, count: m)
            for d in 0..<days {
                for h in 0..<m where series[h].z[d].isFinite { running[h] = min(running[h], cs.pValue(z: series[h].z[d], n: users[d])) }
                let adjusted = MultipleTesting.holm(running)
                for h in 0..<m where stop[h] == nil && adjusted[h] <= alpha { stop[h] = d }
            }
            return stop
        }
        var cache: [Int: [Double]] = [:]
        for d in 0..<days {
            while true {
                let open = (0..<m).filter { stop[$0] == nil }
                guard !open.isEmpty else { return stop }
                let level = open.count
                if cache[level] == nil { cache[level] = boundaries(method, alpha: alpha / Double(level), users: users, visits: visits, tuning: tuning) }
                let b = cache[level]!
                let newly = open.filter { h in (0...d).contains { series[h].z[$0].isFinite && abs(series[h].z[$0]) >= b[$0] } }
                if newly.isEmpty { break }
                for h in newly { stop[h] = d }
            }
        }
        return stop
    }

    /// The `sequential` block of ab.json, or nil when the config asks for none.
    public static func analyse(_ r: SimulationResult, settings: SimulationSettings, analysis: AnalysisSettings) -> SequentialResults? {
        guard analysis.sequential != .none else { return nil }
        let assigned = r.assignment.filter { $0 >= 0 }.count
        let tuning = analysis.sequentialTuning ?? Double(max(assigned, 1))
        let (series, users, visits) = looks(daily: r.daily, days: settings.days, assignment: r.assignment, pre: r.pre,
                                            arms: settings.arms.count, control: settings.control, cuped: analysis.cuped)
        let b = boundaries(analysis.sequential, alpha: analysis.alpha, users: users, visits: visits, tuning: tuning)
        let holm = holmStopDays(analysis.sequential, alpha: analysis.alpha, series: series, users: users, visits: visits, tuning: tuning)
        let naive = Normal.quantile(1 - analysis.alpha / 2)
        let total = Double(max(visits.last ?? 0, 1))
        let metrics = series.enumerated().map { h, s in
            SequentialMetric(metric: s.metric, arm: settings.arms[s.arm].name, cuped: s.cuped, looks: (0..<users.count).map { d in
                let fraction = analysis.sequential == .confidenceSequence ? Double(users[d]) / tuning : Double(visits[d]) / total
                let half = b[d] * s.standardError[d]
                return SequentialLook(day: d, users: users[d], fraction: fraction, difference: s.difference[d],
                                      ciLow: s.difference[d] - half, ciHigh: s.difference[d] + half, z: s.z[d], boundary: b[d], naiveBoundary: naive)
            }, stopDay: stopDay(z: s.z, boundary: b), holmStopDay: holm[h])
        }
        var notes = [
            "Each simulated day is one look at the running per-user totals of the users who visited so far; z is the fixed-horizon statistic (Welch for per-user means, delta method for ratio metrics). The interval shown at a look is the difference ± boundary × standard error.",
        ]
        switch analysis.sequential {
        case .confidenceSequence:
            notes.append("Confidence sequence: the asymptotic normal-mixture boundary (Howard, Ramdas, McAuliffe and Sekhon, Ann. Statist. 2021; Waudby-Smith et al. 2024) with GrowthBook's tuning parameter N* = \(Int(tuning)) users (\(analysis.sequentialTuning == nil ? "the users assigned to the test" : "from the config")): valid at any stopping time, however often it is looked at.")
            notes.append("Holm across metrics and arms: Holm's step-down on the always-valid p-values (their running minimum) at each look; valid because an always-valid p-value is a valid p-value at any stopping time.")
        case .obrienFleming, .pocock:
            notes.append("Group-sequential test with Lan-DeMets \(analysis.sequential == .pocock ? "Pocock" : "O'Brien-Fleming")-type alpha spending; boundaries by recursive numerical integration (Armitage, McPherson and Rowe 1969; Jennison and Turnbull 2000, ch. 19). Information fraction of a look = visits (user-days) of analysed users so far / visits by the horizon (\(visits.last ?? 0) over the configured \(settings.days) days): per-user totals keep accumulating, so information grows with visits rather than with users.")
            notes.append("Holm across metrics and arms: the graphical group-sequential Holm procedure (Maurer and Bretz 2013): open hypotheses are tested at alpha / (number open); a rejection raises the others' level and their boundaries are recomputed, earlier looks included.")
        case .none: break
        }
        if analysis.cuped {
            notes.append("CUPED: per-user metrics are tested on CUPED-adjusted values at every look, θ re-estimated on the users seen so far (pooled over arms) with the \(settings.preDays)-day pre-period as covariate; the boundary is the same, the variance smaller.")
        }
        return SequentialResults(method: analysis.sequential.rawValue, alpha: analysis.alpha,
                                 tuning: analysis.sequential == .confidenceSequence ? tuning : nil, metrics: metrics, notes: notes)
    }
}
