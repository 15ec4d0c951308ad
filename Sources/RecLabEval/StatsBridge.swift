import Foundation
import RecLabStore

// The statistics the evaluator needs, in one place. INTERIM: simple large-sample versions until the
// stats module (RecLabStats) lands; then these delegate to it.

enum EvalStats {
    /// Mean with a 95% t confidence interval (n - 1 degrees of freedom). n = 1 gives a zero-width interval.
    static func summary(_ values: [Double]) -> MetricSummary {
        let n = values.count
        guard n > 0 else { return MetricSummary(mean: .nan, ciLow: .nan, ciHigh: .nan, n: 0) }
        let mean = values.reduce(0, +) / Double(n)
        guard n > 1 else { return MetricSummary(mean: mean, ciLow: mean, ciHigh: mean, n: 1) }
        var ss = 0.0
        for v in values { ss += (v - mean) * (v - mean) }
        let se = (ss / Double(n - 1) / Double(n)).squareRoot()
        let h = tQuantile975(Double(n - 1)) * se
        return MetricSummary(mean: mean, ciLow: mean - h, ciHigh: mean + h, n: n)
    }

    struct Paired { var difference, ciLow, ciHigh, tP, wilcoxonP: Double; var n: Int }

    static func paired(_ a: [Double], _ b: [Double]) -> Paired {
        let d = zip(a, b).map { $0 - $1 }
        let s = summary(d)
        let n = d.count
        var tP = 1.0
        if n > 1 {
            let se = (s.ciHigh - s.mean) / tQuantile975(Double(n - 1))
            tP = se > 0 ? 2 * normalUpper(abs(s.mean) / se) : (s.mean == 0 ? 1 : 0)
        }
        return Paired(difference: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh, tP: tP, wilcoxonP: wilcoxon(d), n: n)
    }

    /// Wilcoxon signed-rank, normal approximation with tie correction; zero differences dropped.
    static func wilcoxon(_ d: [Double]) -> Double {
        let nz = d.filter { $0 != 0 }.sorted { abs($0) < abs($1) }
        let n = nz.count
        guard n > 0 else { return 1 }
        var wPlus = 0.0, tie = 0.0, i = 0
        while i < n {
            var j = i
            while j + 1 < n && abs(nz[j + 1]) == abs(nz[i]) { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j where nz[k] > 0 { wPlus += rank }
            let t = Double(j - i + 1); tie += t * t * t - t
            i = j + 1
        }
        let nn = Double(n)
        let mean = nn * (nn + 1) / 4
        let variance = nn * (nn + 1) * (2 * nn + 1) / 24 - tie / 48
        guard variance > 0 else { return 1 }
        let z = max(abs(wPlus - mean) - 0.5, 0) / variance.squareRoot()
        return min(1, 2 * normalUpper(z))
    }

    /// Holm (1979) step-down adjustment.
    static func holm(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] }
        var out = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, idx) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[idx]))
            out[idx] = running
        }
        return out
    }

    static func normalUpper(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// 97.5% quantile of Student's t (Cornish-Fisher expansion around the normal quantile).
    static func tQuantile975(_ df: Double) -> Double {
        let z = 1.959963984540054
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df)
    }
}

/// Gini coefficient of non-negative values: G = Σ_i (2i - n - 1) x_(i) / (n Σ x) over the values sorted
/// ascending (i from 1), the standard form of the mean absolute difference definition. 0 for all-equal
/// or all-zero values. O(n log n).
func giniCoefficient(_ values: [Double]) -> Double {
    let n = values.count
    guard n > 1 else { return 0 }
    let sorted = values.sorted()
    let total = sorted.reduce(0, +)
    guard total > 0 else { return 0 }
    var weighted = 0.0
    for (i, x) in sorted.enumerated() { weighted += Double(2 * (i + 1) - n - 1) * x }
    return weighted / (Double(n) * total)
}
