// RecLabStats: multiple-comparison adjustment of p-values.
import Foundation

/// Adjusted p-values for a family of tests. Adjusted values are returned in the input order, are at least the
/// raw values, are capped at 1 and are monotone in the raw values. NaN entries are not tests: they are left out
/// of the family size m and returned as NaN. O(m log m).
public enum MultipleTesting {
    public enum Method: String, Sendable, CaseIterable {
        /// Holm step-down, controls the family-wise error rate.
        case holm
        /// Benjamini-Hochberg step-up, controls the false discovery rate.
        case benjaminiHochberg = "bh"
    }

    public static func adjust(_ pValues: [Double], method: Method) -> [Double] {
        switch method {
        case .holm: return holm(pValues)
        case .benjaminiHochberg: return benjaminiHochberg(pValues)
        }
    }

    /// Holm's step-down adjustment (S. Holm, "A simple sequentially rejective multiple test procedure",
    /// Scand. J. Statist. 6, 1979): with p_(1) ≤ ... ≤ p_(m),
    /// p̃_(i) = max_(j ≤ i) min(1, (m - j + 1) p_(j)). Rejecting p̃ ≤ α controls the family-wise error rate at α.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        let m = order.count
        var adjusted = [Double](repeating: .nan, count: pValues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Benjamini-Hochberg step-up adjustment (Y. Benjamini and Y. Hochberg, "Controlling the false discovery
    /// rate", JRSS B 57, 1995): p̃_(i) = min_(j ≥ i) min(1, m p_(j) / j). Rejecting p̃ ≤ α controls the false
    /// discovery rate at α for independent (or positively dependent) tests.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.filter { !pValues[$0].isNaN }.sorted { pValues[$0] < pValues[$1] }
        let m = order.count
        var adjusted = [Double](repeating: .nan, count: pValues.count)
        var running = 1.0
        for rank in stride(from: m - 1, through: 0, by: -1) {
            let index = order[rank]
            running = min(running, min(1, Double(m) * pValues[index] / Double(rank + 1)))
            // m p / m can round below p; the adjusted value is never below the raw one.
            adjusted[index] = max(running, pValues[index])
        }
        return adjusted
    }
}
