// RecLabStats: descriptive statistics, confidence intervals for a mean, percentile bootstrap.
import Foundation

/// Descriptive statistics over `[Double]`. All O(n) unless stated.
public enum Descriptive {
    /// Arithmetic mean Σx / n; NaN for an empty array.
    public static func mean(_ values: [Double]) -> Double {
        if values.isEmpty { return .nan }
        return values.withUnsafeBufferPointer { buffer in
            var sum = 0.0
            for value in buffer { sum += value }
            return sum / Double(buffer.count)
        }
    }

    /// Unbiased sample variance Σ(x - x̄)² / (n - 1), by the two-pass algorithm with the Björck correction
    /// term (Chan, Golub and LeVeque, "Algorithms for computing the sample variance", Am. Stat. 1983):
    /// the second pass subtracts (Σ(x - x̄))² / n, which cancels the rounding error of x̄.
    /// NaN for n < 2.
    public static func variance(_ values: [Double]) -> Double {
        let n = values.count
        if n < 2 { return .nan }
        let m = mean(values)
        return values.withUnsafeBufferPointer { buffer in
            var squares = 0.0
            var residual = 0.0
            for value in buffer {
                let d = value - m
                squares += d * d
                residual += d
            }
            return max(0, (squares - residual * residual / Double(n)) / Double(n - 1))
        }
    }

    /// Sample standard deviation √variance; NaN for n < 2.
    public static func standardDeviation(_ values: [Double]) -> Double { variance(values).squareRoot() }

    /// Standard error of the mean s / √n; NaN for n < 2.
    public static func standardError(_ values: [Double]) -> Double {
        (variance(values) / Double(values.count)).squareRoot()
    }

    /// Unbiased sample covariance Σ(x - x̄)(y - ȳ) / (n - 1) of paired values; NaN for n < 2.
    public static func covariance(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "covariance needs paired arrays of equal length (\(x.count) vs \(y.count))")
        let n = x.count
        if n < 2 { return .nan }
        let mx = mean(x), my = mean(y)
        return x.withUnsafeBufferPointer { xs in
            y.withUnsafeBufferPointer { ys in
                var sum = 0.0
                for i in 0..<n { sum += (xs[i] - mx) * (ys[i] - my) }
                return sum / Double(n - 1)
            }
        }
    }

    /// Pearson correlation cov(x, y) / (s_x s_y); NaN when n < 2 or either variance is zero.
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let denominator = (variance(x) * variance(y)).squareRoot()
        if !(denominator > 0) { return .nan }
        return covariance(x, y) / denominator
    }

    /// The p-quantile (0 ≤ p ≤ 1) of already sorted values by linear interpolation between order statistics:
    /// definition 7 of Hyndman and Fan ("Sample quantiles in statistical packages", Am. Stat. 1996), the
    /// default of R and NumPy: h = (n-1)p, Q = x_⌊h⌋ + (h - ⌊h⌋)(x_⌊h⌋+1 - x_⌊h⌋). O(1). NaN when empty.
    public static func quantile(sorted: [Double], _ p: Double) -> Double {
        precondition(p >= 0 && p <= 1, "quantile level must be in [0, 1], got \(p)")
        let n = sorted.count
        if n == 0 { return .nan }
        let h = Double(n - 1) * p
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, n - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    /// The p-quantile of unsorted values (Hyndman-Fan type 7). O(n log n).
    public static func quantile(_ values: [Double], _ p: Double) -> Double {
        quantile(sorted: values.sorted(), p)
    }
}

/// Streaming mean and variance by Welford's update (B. P. Welford, "Note on a method for calculating corrected
/// sums of squares and products", Technometrics 1962), with the pairwise merge of Chan, Golub and LeVeque (1979),
/// so per-day or per-thread accumulators can be combined. O(1) per value, order-independent up to rounding.
public struct RunningMoments: Sendable, Equatable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    /// Σ(x - mean)².
    public private(set) var sumOfSquaredDeviations: Double = 0

    public init() {}

    public init<S: Sequence>(_ values: S) where S.Element == Double {
        for value in values { add(value) }
    }

    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        sumOfSquaredDeviations += delta * (value - mean)
    }

    public mutating func merge(_ other: RunningMoments) {
        if other.count == 0 { return }
        if count == 0 { self = other; return }
        let total = count + other.count
        let delta = other.mean - mean
        mean += delta * Double(other.count) / Double(total)
        sumOfSquaredDeviations += other.sumOfSquaredDeviations
            + delta * delta * Double(count) * Double(other.count) / Double(total)
        count = total
    }

    /// Unbiased sample variance; NaN for fewer than two values.
    public var variance: Double { count < 2 ? .nan : sumOfSquaredDeviations / Double(count - 1) }
    public var standardError: Double { (variance / Double(count)).squareRoot() }

    /// The t-based confidence interval for the mean (see `MeanSummary`).
    public func summary(level: Double = 0.95) -> MeanSummary {
        MeanSummary(mean: count == 0 ? .nan : mean, variance: variance, n: count, level: level)
    }
}

/// A mean with its t-based confidence interval: x̄ ± t_(1-α/2, n-1) · s/√n (Student 1908; e.g. Casella and
/// Berger, "Statistical Inference", 2nd ed., §9.2). The interval is exact for normal data and asymptotically
/// right for any finite-variance data by the central limit theorem, which is the case for per-user metric means.
///
/// Degenerate cases: n = 0 gives NaN everywhere; n = 1 gives NaN variance and interval (no spread is
/// observable); zero variance with n ≥ 2 gives the zero-width interval [x̄, x̄].
public struct MeanSummary: Sendable, Equatable {
    public var mean: Double
    /// Unbiased sample variance.
    public var variance: Double
    /// Standard error s / √n.
    public var standardError: Double
    public var n: Int
    /// Confidence level of [ciLow, ciHigh], e.g. 0.95.
    public var level: Double
    public var ciLow: Double
    public var ciHigh: Double

    /// Summary from sufficient statistics (mean, unbiased variance, count).
    public init(mean: Double, variance: Double, n: Int, level: Double = 0.95) {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        self.mean = mean
        self.variance = variance
        self.n = n
        self.level = level
        if n >= 2 && variance.isFinite {
            standardError = (variance / Double(n)).squareRoot()
            let half = standardError == 0 ? 0 : StudentT.quantile(1 - (1 - level) / 2, df: Double(n - 1)) * standardError
            ciLow = mean - half
            ciHigh = mean + half
        } else {
            standardError = .nan
            ciLow = .nan
            ciHigh = .nan
        }
    }

    /// Summary of the values. O(n).
    public init(_ values: [Double], level: Double = 0.95) {
        self.init(mean: Descriptive.mean(values), variance: Descriptive.variance(values), n: values.count, level: level)
    }

    /// Half-width of the interval.
    public var halfWidth: Double { (ciHigh - ciLow) / 2 }
}

/// A percentile bootstrap confidence interval (Efron and Tibshirani, "An Introduction to the Bootstrap", 1993,
/// ch. 13): the statistic is recomputed on `resamples` resamples with replacement, and the interval is the
/// (α/2, 1-α/2) quantiles (Hyndman-Fan type 7) of those replicates. Deterministic for a given seed.
public struct BootstrapInterval: Sendable, Equatable {
    /// The statistic on the original sample.
    public var estimate: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var level: Double
    public var resamples: Int
    /// Standard deviation of the replicates (the bootstrap standard error).
    public var standardError: Double

    /// Bootstrap of `statistic` (default: the mean). O(resamples · (n + cost of statistic)).
    /// An empty sample gives NaN everywhere.
    public init(_ values: [Double], resamples: Int = 2000, level: Double = 0.95, seed: UInt64,
                statistic: ([Double]) -> Double = Descriptive.mean) {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        precondition(resamples > 0, "resamples must be positive")
        self.level = level
        self.resamples = resamples
        estimate = statistic(values)
        let n = values.count
        if n == 0 {
            ciLow = .nan; ciHigh = .nan; standardError = .nan
            return
        }
        var generator = SplitMix64(seed: seed)
        var replicates = [Double](repeating: 0, count: resamples)
        var sample = [Double](repeating: 0, count: n)
        values.withUnsafeBufferPointer { source in
            for r in 0..<resamples {
                sample.withUnsafeMutableBufferPointer { target in
                    for i in 0..<n { target[i] = source[generator.nextInt(n)] }
                }
                replicates[r] = statistic(sample)
            }
        }
        replicates.sort()
        ciLow = Descriptive.quantile(sorted: replicates, (1 - level) / 2)
        ciHigh = Descriptive.quantile(sorted: replicates, 1 - (1 - level) / 2)
        standardError = Descriptive.standardDeviation(replicates)
    }
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
/// a tiny, well-mixed 64-bit generator. RecLabStats has no dependencies, so it carries this one for the
/// bootstrap instead of RecLabCore's `SeededRandom`; same seed, same stream on every platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in 0..<n, unbiased (Lemire's multiply-and-reject, ACM TOMACS 2019).
    public mutating func nextInt(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }
}
