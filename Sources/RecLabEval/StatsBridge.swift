import Foundation

// The statistics the evaluator needs, in one place. They delegate to RecLabStats where it provides
// them; until then the definitions live here.

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
