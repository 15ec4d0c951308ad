// RecLabStats: exposure concentration (Gini coefficient, Lorenz curve).
import Foundation

/// Inequality of a non-negative vector, typically impressions or recommendations per item over the whole
/// catalogue (items never shown must be included as zeros, otherwise the concentration is understated).
public enum Inequality {
    /// Gini coefficient by the sorted-rank formula: with x_(1) ≤ ... ≤ x_(n),
    /// G = Σ_i (2i - n - 1) x_(i) / (n Σ_i x_i)
    /// (Dixon et al., "Bootstrapping the Gini coefficient of inequality", Ecology 1987; equivalently 1 - 2 × the
    /// area under the discrete Lorenz curve by the trapezoid rule). 0 = equal exposure; (n - 1)/n = all exposure
    /// on one item. With `corrected` the value is multiplied by n/(n - 1), so one item taking everything gives
    /// exactly 1: the form Shani and Gunawardana ("Evaluating recommendation systems", 2011, §4.3) use for the
    /// concentration of recommendations over items. An empty or all-zero vector gives 0 (nothing is
    /// concentrated), as does a single item. Negative entries are a precondition failure. O(n log n).
    public static func gini(_ values: [Double], corrected: Bool = false) -> Double {
        let n = values.count
        if n == 0 || (corrected && n == 1) { return 0 }
        let scale = corrected ? Double(n) / Double(n - 1) : 1
        let sorted = values.sorted()
        precondition(sorted[0] >= 0, "Gini needs non-negative values (got \(sorted[0]))")
        return sorted.withUnsafeBufferPointer { buffer in
            var total = 0.0
            var weighted = 0.0
            for i in 0..<n {
                total += buffer[i]
                weighted += Double(2 * (i + 1) - n - 1) * buffer[i]
            }
            return total > 0 ? scale * weighted / (Double(n) * total) : 0
        }
    }

    /// Gini coefficient of counts (see `gini(_: [Double], corrected:)`).
    public static func gini(_ counts: [Int], corrected: Bool = false) -> Double {
        gini(counts.map(Double.init), corrected: corrected)
    }

    /// A point of the Lorenz curve (M. O. Lorenz, "Methods of measuring the concentration of wealth", 1905):
    /// the least-exposed `populationShare` of items receive `exposureShare` of the exposure.
    public struct LorenzPoint: Sendable, Equatable {
        public var populationShare: Double
        public var exposureShare: Double

        public init(populationShare: Double, exposureShare: Double) {
            self.populationShare = populationShare
            self.exposureShare = exposureShare
        }
    }

    /// Lorenz curve of the values: (k/n, Σ_(i ≤ k) x_(i) / Σ x) for k = 0 ... n, values sorted ascending, so the
    /// curve runs from (0, 0) to (1, 1) below the diagonal. With `maxPoints` (≥ 2) only that many evenly spaced
    /// k are kept, always including both ends (enough for a chart of 60k items). An all-zero vector gives the
    /// diagonal. O(n log n).
    public static func lorenzCurve(_ values: [Double], maxPoints: Int? = nil) -> [LorenzPoint] {
        let n = values.count
        if n == 0 { return [LorenzPoint(populationShare: 0, exposureShare: 0), LorenzPoint(populationShare: 1, exposureShare: 1)] }
        let sorted = values.sorted()
        precondition(sorted[0] >= 0, "Lorenz curve needs non-negative values (got \(sorted[0]))")
        var cumulative = [Double](repeating: 0, count: n + 1)
        for i in 0..<n { cumulative[i + 1] = cumulative[i] + sorted[i] }
        let total = cumulative[n]
        var ks: [Int]
        if let maxPoints, maxPoints >= 2, maxPoints < n + 1 {
            ks = (0..<maxPoints).map { Int((Double($0) * Double(n) / Double(maxPoints - 1)).rounded()) }
        } else {
            ks = Array(0...n)
        }
        return ks.map { k in
            LorenzPoint(populationShare: Double(k) / Double(n),
                        exposureShare: total > 0 ? cumulative[k] / total : Double(k) / Double(n))
        }
    }

    /// Lorenz curve of counts.
    public static func lorenzCurve(_ counts: [Int], maxPoints: Int? = nil) -> [LorenzPoint] {
        lorenzCurve(counts.map(Double.init), maxPoints: maxPoints)
    }
}
