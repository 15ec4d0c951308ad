import Foundation
import RecLabStats
import RecLabResults

// The statistics the evaluator needs, in one place, delegating to RecLabStats.

enum EvalStats {
    /// Mean with its 95% Student-t confidence interval (n - 1 degrees of freedom); the interval is NaN
    /// (undefined) for a single value.
    static func summary(_ values: [Double]) -> MetricSummary {
        guard !values.isEmpty else { return MetricSummary(mean: .nan, ciLow: .nan, ciHigh: .nan, n: 0) }
        let s = MeanSummary(values, level: 0.95)
        return MetricSummary(mean: s.mean, ciLow: s.ciLow, ciHigh: s.ciHigh, n: s.n)
    }

    struct Paired { var difference, ciLow, ciHigh, tP, wilcoxonP: Double; var n: Int }

    /// Paired t-test (t interval of the mean difference) and Wilcoxon signed-rank test on a - b.
    static func paired(_ a: [Double], _ b: [Double]) -> Paired {
        let t = PairedTTest(a, b, level: 0.95)
        let w = WilcoxonSignedRank(a, b)
        return Paired(difference: t.meanDifference, ciLow: t.ciLow, ciHigh: t.ciHigh, tP: t.pValue, wilcoxonP: w.pValue, n: t.n)
    }

    /// Holm (1979) step-down adjusted p-values.
    static func holm(_ p: [Double]) -> [Double] { MultipleTesting.holm(p) }
}

/// Gini coefficient of non-negative values (uncorrected sorted-rank form; `Inequality.gini` in RecLabStats).
func giniCoefficient(_ values: [Double]) -> Double { Inequality.gini(values) }
