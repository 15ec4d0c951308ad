// RecLabStats: paired tests for offline evaluation (per-user metric values of two strategies on the same users).
import Foundation

/// Paired t-test of H0: E[a - b] = 0 (Student 1908; e.g. Casella and Berger 2002, §8.3 and §9.2), on the
/// per-unit differences d_i = a_i - b_i: t = d̄ / (s_d / √n) with n - 1 degrees of freedom, two-sided
/// p-value, and the t-based confidence interval of the mean difference. O(n).
///
/// Degenerate cases (documented rather than NaN, so Holm adjustment stays usable):
/// - n = 0: everything NaN; n = 1: difference known, t, p and interval NaN.
/// - Zero variance of the differences (n ≥ 2): if every difference is 0, t = 0 and p = 1 (no evidence of a
///   difference); otherwise t = ±inf and p = 0, with the zero-width interval [d̄, d̄].
public struct PairedTTest: Sendable, Equatable {
    /// Mean of a_i - b_i.
    public var meanDifference: Double
    /// Standard deviation of the differences.
    public var standardDeviation: Double
    public var standardError: Double
    public var t: Double
    public var degreesOfFreedom: Double
    public var pValue: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var level: Double
    public var n: Int

    public init(_ a: [Double], _ b: [Double], level: Double = 0.95) {
        precondition(a.count == b.count, "paired test needs arrays of equal length (\(a.count) vs \(b.count))")
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        var differences = [Double](repeating: 0, count: a.count)
        for i in 0..<a.count { differences[i] = a[i] - b[i] }
        self.init(differences: differences, level: level)
    }

    /// The test on precomputed differences.
    public init(differences: [Double], level: Double = 0.95) {
        let summary = MeanSummary(differences, level: level)
        n = differences.count
        self.level = level
        meanDifference = summary.mean
        standardDeviation = summary.variance.squareRoot()
        standardError = summary.standardError
        degreesOfFreedom = n >= 2 ? Double(n - 1) : .nan
        ciLow = summary.ciLow
        ciHigh = summary.ciHigh
        if n < 2 {
            t = .nan
            pValue = .nan
        } else if standardError == 0 {
            t = meanDifference == 0 ? 0 : (meanDifference > 0 ? .infinity : -.infinity)
            pValue = meanDifference == 0 ? 1 : 0
        } else {
            t = meanDifference / standardError
            pValue = StudentT.twoSidedPValue(t, df: degreesOfFreedom)
        }
    }
}

/// Wilcoxon signed-rank test of H0: the differences a_i - b_i are symmetric about 0 (F. Wilcoxon,
/// "Individual comparisons by ranking methods", Biometrics Bulletin 1, 1945), two-sided.
///
/// - Zero differences: Wilcoxon's own convention (the "wilcox" zero method in SciPy): pairs with d_i = 0 are
///   dropped before ranking; `zeros` counts them and `n` is the number of non-zero pairs used.
/// - Ties among |d_i| get average ranks (mid-ranks).
/// - Exact null distribution when n ≤ `exactLimit` (default 25) and there are no ties: the distribution of
///   W+ is counted by dynamic programming over subsets of {1..n} (Wilcoxon's enumeration), and
///   p = min(1, 2 min(P(W+ ≤ w), P(W+ ≥ w))).
/// - Otherwise the normal approximation with tie-corrected variance (Lehmann, "Nonparametrics", 1975, §3.2):
///   E[W+] = n(n+1)/4, Var[W+] = n(n+1)(2n+1)/24 - Σ_ties (t³ - t)/48, and the continuity correction moves
///   |W+ - E| towards the mean by ½ (never past it): z = max(|W+ - E| - ½, 0) / √Var.
/// - All differences zero (n = 0 after dropping): no evidence, p = 1. NaN differences (a metric undefined for
///   a user) are left out and not counted anywhere.
///
/// O(n log n) for the ranking; the exact distribution costs O(n³) for n ≤ 25 (negligible).
public struct WilcoxonSignedRank: Sendable, Equatable {
    /// Sum of the ranks of positive differences.
    public var wPlus: Double
    /// Sum of the ranks of negative differences.
    public var wMinus: Double
    /// Non-zero differences used.
    public var n: Int
    /// Zero differences dropped.
    public var zeros: Int
    /// The normal deviate of the approximation (nil when the exact distribution was used).
    public var z: Double?
    public var pValue: Double
    /// True when the p-value comes from the exact null distribution.
    public var exact: Bool

    public init(_ a: [Double], _ b: [Double], exactLimit: Int = 25) {
        precondition(a.count == b.count, "paired test needs arrays of equal length (\(a.count) vs \(b.count))")
        var differences = [Double](repeating: 0, count: a.count)
        for i in 0..<a.count { differences[i] = a[i] - b[i] }
        self.init(differences: differences, exactLimit: exactLimit)
    }

    public init(differences: [Double], exactLimit: Int = 25) {
        let nonZero = differences.filter { $0 != 0 && !$0.isNaN }
        zeros = differences.reduce(0) { $1 == 0 ? $0 + 1 : $0 }
        n = nonZero.count
        if n == 0 {
            wPlus = 0; wMinus = 0; z = nil; pValue = 1; exact = true
            return
        }
        // Rank |d| ascending with mid-ranks for ties, remembering the tie-group sizes.
        let order = (0..<n).sorted { abs(nonZero[$0]) < abs(nonZero[$1]) }
        var plus = 0.0
        var tieCorrection = 0.0
        var hasTies = false
        var start = 0
        while start < n {
            var end = start + 1
            let magnitude = abs(nonZero[order[start]])
            while end < n && abs(nonZero[order[end]]) == magnitude { end += 1 }
            let groupSize = Double(end - start)
            // Ranks start+1 ... end average to (start + 1 + end) / 2.
            let rank = Double(start + 1 + end) / 2
            for k in start..<end where nonZero[order[k]] > 0 { plus += rank }
            if end - start > 1 {
                hasTies = true
                tieCorrection += groupSize * groupSize * groupSize - groupSize
            }
            start = end
        }
        let nd = Double(n)
        let total = nd * (nd + 1) / 2
        wPlus = plus
        wMinus = total - plus
        if n <= exactLimit && !hasTies {
            exact = true
            z = nil
            let w = Int(plus.rounded())
            let distribution = Self.exactCounts(n: n)
            let all = pow(2.0, nd)
            var lower = 0.0
            for s in 0...w { lower += distribution[s] }
            var upper = 0.0
            for s in w..<distribution.count { upper += distribution[s] }
            pValue = min(1, 2 * min(lower, upper) / all)
        } else {
            exact = false
            let expected = total / 2
            let variance = nd * (nd + 1) * (2 * nd + 1) / 24 - tieCorrection / 48
            if variance <= 0 {
                z = 0; pValue = 1
                return
            }
            let deviation = max(abs(plus - expected) - 0.5, 0)
            let zValue = deviation / variance.squareRoot() * (plus >= expected ? 1 : -1)
            z = zValue
            pValue = Normal.twoSidedPValue(zValue)
        }
    }

    /// Number of subsets of {1, ..., n} with each rank sum s = 0 ... n(n+1)/2 (the null distribution of W+
    /// times 2^n). Counts stay exact in Double up to 2^53, far beyond n = 25.
    static func exactCounts(n: Int) -> [Double] {
        let maxSum = n * (n + 1) / 2
        var counts = [Double](repeating: 0, count: maxSum + 1)
        counts[0] = 1
        var reachable = 0
        for rank in 1...n {
            reachable += rank
            // Descending so each rank is used at most once.
            var s = reachable
            while s >= rank {
                counts[s] += counts[s - rank]
                s -= 1
            }
        }
        return counts
    }
}
