import Foundation
import RecLabCore
import RecLabResults
import RecLabStats

/// Long-term metrics over time, per-day lifts and decision flips of a simulated A/B test.
///
/// Cumulative metrics per experiment day d, over each arm's analysed users (assigned, visiting at least once):
/// `retention` (share not churned by the end of day d), `cumulative_watch_minutes` and `days_active` (days with a
/// play) up to day d; per-user means with Welch intervals like the other per-user metrics. Per-day lifts compare
/// each treatment arm with the control with the same tests as the whole-period metrics (Welch for means, the
/// delta method for the daily ratio metrics), day by day, without multiplicity correction (curves, not decisions).
public enum LongTermAnalysis {
    /// The cumulative metrics, in report order.
    public static let cumulativeMetrics = ["cumulative_watch_minutes", "days_active", "retention"]
    /// The per-visiting-user daily metrics whose lifts are tracked too.
    public static let dailyMetrics = ["ctr", "plays_per_visit", "watch_minutes_per_user", "completion_rate", "novelty"]

    /// Per day: per arm, per cumulative metric, the per-user values of `users[arm]`.
    static func cumulativeValues(_ trace: LongTermTrace, users: [[Int]], body: (Int, [[[Double]]]) -> Void) {
        let days = trace.days
        var minutes = users.map { [Double](repeating: 0, count: $0.count) }
        var active = minutes
        for d in 0..<days {
            var values: [[[Double]]] = []   // [arm][metric][user]
            for (a, us) in users.enumerated() {
                var ret = [Double](repeating: 0, count: us.count)
                for (k, u) in us.enumerated() {
                    minutes[a][k] += Double(trace.minutes[u * days + d])
                    active[a][k] += Double(trace.active[u * days + d])
                    ret[k] = Int(trace.churnDay[u]) > d ? 1 : 0
                }
                values.append([minutes[a], active[a], ret])
            }
            body(d, values)
        }
    }

    /// Per-visiting-user daily estimates of one arm-day.
    static func dailyEstimates(_ d: DailyArmAggregate) -> [String: Estimate] {
        ["ctr": ABAnalysis.ratioEstimate(d.userPlays, d.userImpressions),
         "plays_per_visit": ABAnalysis.meanEstimate(d.userPlays),
         "watch_minutes_per_user": ABAnalysis.meanEstimate(d.userMinutes),
         "completion_rate": ABAnalysis.ratioEstimate(d.userCompletion, d.userPlays),
         "novelty": ABAnalysis.ratioEstimate(d.userNovelty, d.userImpressions)]
    }

    public static func analyse(_ r: SimulationResult, settings: SimulationSettings, alpha: Double, assumptions: [String]) -> LongTermResults? {
        guard let trace = r.longTerm else { return nil }
        let users = ABAnalysis.analysedUsers(r)
        let names = r.armNames, c = settings.control
        var days: [LongTermDay] = []
        var lifts: [DailyLift] = []
        cumulativeValues(trace, users: users) { d, values in
            for a in names.indices {
                var ms: [String: MetricSummary] = [:]
                for (k, m) in cumulativeMetrics.enumerated() { ms[m] = ABAnalysis.meanEstimate(values[a][k]).summary }
                let churned = values[a][2].reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
                days.append(LongTermDay(day: d, arm: names[a], churned: churned, metrics: ms))
                guard a != c else { continue }
                for (k, m) in cumulativeMetrics.enumerated() {
                    let cmp = ABAnalysis.compare(metric: m, arm: names[a], control: names[c], t: .mean(MeanSummary(values[a][k])),
                                                 c: .mean(MeanSummary(values[c][k])), alpha: alpha)
                    lifts.append(DailyLift(day: d, arm: names[a], metric: m, lift: cmp.lift, ciLow: cmp.ciLow, ciHigh: cmp.ciHigh))
                }
            }
        }
        // Daily (per visiting user) metrics.
        var byDay: [Int: [Int: DailyArmAggregate]] = [:]
        for d in r.daily { byDay[d.day, default: [:]][d.arm] = d }
        for day in byDay.keys.sorted() {
            guard let control = byDay[day]?[c] else { continue }
            let ce = dailyEstimates(control)
            for a in names.indices where a != c {
                guard let t = byDay[day]?[a] else { continue }
                let te = dailyEstimates(t)
                for m in dailyMetrics {
                    let cmp = ABAnalysis.compare(metric: m, arm: names[a], control: names[c], t: te[m]!, c: ce[m]!, alpha: alpha)
                    lifts.append(DailyLift(day: day, arm: names[a], metric: m, lift: cmp.lift, ciLow: cmp.ciLow, ciHigh: cmp.ciHigh))
                }
            }
        }
        lifts.sort { ($0.metric, $0.arm, $0.day) < ($1.metric, $1.arm, $1.day) }
        let flips = self.flips(lifts, source: "ab")
        return LongTermResults(assumptions: assumptions, daily: days, lifts: lifts, flips: flips)
    }

    /// Days over which the short-term verdict is taken: a two-week test.
    public static let shortTermDays = 14

    /// Decision flips of every cumulative metric and arm from a lift series (sorted by metric, arm, day). The early
    /// verdict is the short-term one: the sign of the CTR lift summed over the first `shortTermDays` days (the
    /// metric's own first non-zero sign when CTR has none); the flip day is the first day from which the metric's
    /// lift stays on the other side of that verdict.
    static func flips(_ lifts: [DailyLift], source: String) -> [DecisionFlip] {
        var out: [DecisionFlip] = []
        let truth = source == "truth"
        func points(_ metric: String, _ arm: String) -> [(day: Int, value: Double, low: Double, high: Double)] {
            lifts.filter { $0.metric == metric && $0.arm == arm }.sorted { $0.day < $1.day }.compactMap { l in
                if truth {
                    guard let v = l.trueEffect else { return nil }
                    return (l.day, v, l.trueCiLow ?? .nan, l.trueCiHigh ?? .nan)
                }
                return (l.day, l.lift, l.ciLow, l.ciHigh)
            }
        }
        for m in cumulativeMetrics {
            let arms = Array(Set(lifts.filter { $0.metric == m }.map(\.arm))).sorted()
            for arm in arms {
                let early = points("ctr", arm).filter { $0.day < shortTermDays && $0.value.isFinite }.reduce(0.0) { $0 + $1.value }
                let verdict: Int? = early > 0 ? 1 : (early < 0 ? -1 : nil)
                if let f = flip(points(m, arm), sign: verdict) {
                    out.append(DecisionFlip(arm: arm, metric: m, source: source, earlySign: f.sign, flipDay: f.day, significantFlipDay: f.significantDay))
                }
            }
        }
        return out
    }

    /// The verdict `sign` (default: the sign of the first non-zero value), the first day from which every later value
    /// has the other sign, and the first day from which every later interval lies entirely on the other side of zero.
    public static func flip(_ points: [(day: Int, value: Double, low: Double, high: Double)], sign given: Int? = nil) -> (sign: Int, day: Int?, significantDay: Int?)? {
        let sign: Int
        if let given { sign = given } else {
            guard let first = points.first(where: { $0.value != 0 && $0.value.isFinite }) else { return nil }
            sign = first.value > 0 ? 1 : -1
        }
        var day: Int? = nil, significantDay: Int? = nil
        for p in points.reversed() {
            let opposite = sign > 0 ? p.value < 0 : p.value > 0
            guard opposite else { break }
            day = p.day
        }
        for p in points.reversed() {
            let opposite = sign > 0 ? p.high < 0 : p.low > 0
            guard opposite else { break }
            significantDay = p.day
        }
        return (sign, day, significantDay)
    }
}
