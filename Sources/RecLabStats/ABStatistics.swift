// RecLabStats: two-sample statistics for A/B tests (Welch, delta-method lifts and ratio metrics, SRM).
import Foundation

/// Welch's unequal-variance t-test of H0: μ_treatment = μ_control for per-user means (B. L. Welch, "The
/// generalization of Student's problem when several different population variances are involved",
/// Biometrika 34, 1947), with Welch-Satterthwaite degrees of freedom
/// ν = (v_T + v_C)² / (v_T²/(n_T - 1) + v_C²/(n_C - 1)), v = s²/n (Satterthwaite 1946).
///
/// - Absolute lift Δ = x̄_T - x̄_C with the interval Δ ± t_(1-α/2, ν) √(v_T + v_C).
/// - Relative lift x̄_T / x̄_C - 1 with the delta-method interval of Deng, Knoblich and Lu ("Applying the delta
///   method in metric analytics", KDD 2018, §3.3): Var(x̄_T/x̄_C) ≈ v_T/x̄_C² + x̄_T² v_C/x̄_C⁴ (independent
///   arms), normal quantile (the delta method is asymptotic). NaN when x̄_C = 0.
///
/// Degenerate cases: an arm with n < 2 gives NaN statistics. Both variances zero: t = 0 and p = 1 when the
/// means are equal, t = ±inf and p = 0 otherwise, ν = n_T + n_C - 2 and a zero-width interval. O(n).
public struct WelchTest: Sendable, Equatable {
    public var treatment: MeanSummary
    public var control: MeanSummary
    /// x̄_T - x̄_C.
    public var difference: Double
    public var standardError: Double
    public var degreesOfFreedom: Double
    public var t: Double
    public var pValue: Double
    public var ciLow: Double
    public var ciHigh: Double
    /// x̄_T / x̄_C - 1.
    public var relativeLift: Double
    public var relativeStandardError: Double
    public var relativeCiLow: Double
    public var relativeCiHigh: Double
    public var level: Double

    public init(treatment: [Double], control: [Double], level: Double = 0.95) {
        self.init(treatment: MeanSummary(treatment, level: level), control: MeanSummary(control, level: level), level: level)
    }

    /// From per-arm sufficient statistics (e.g. `RunningMoments.summary()`).
    public init(treatment: MeanSummary, control: MeanSummary, level: Double = 0.95) {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        self.treatment = treatment
        self.control = control
        self.level = level
        difference = treatment.mean - control.mean
        let vT = treatment.variance / Double(treatment.n)
        let vC = control.variance / Double(control.n)
        let z = Normal.quantile(1 - (1 - level) / 2)
        if treatment.n >= 2 && control.n >= 2 && vT.isFinite && vC.isFinite {
            standardError = (vT + vC).squareRoot()
            if standardError == 0 {
                degreesOfFreedom = Double(treatment.n + control.n - 2)
                t = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
                pValue = difference == 0 ? 1 : 0
                ciLow = difference
                ciHigh = difference
            } else {
                let denominator = vT * vT / Double(treatment.n - 1) + vC * vC / Double(control.n - 1)
                degreesOfFreedom = (vT + vC) * (vT + vC) / denominator
                t = difference / standardError
                pValue = StudentT.twoSidedPValue(t, df: degreesOfFreedom)
                let half = StudentT.quantile(1 - (1 - level) / 2, df: degreesOfFreedom) * standardError
                ciLow = difference - half
                ciHigh = difference + half
            }
        } else {
            standardError = .nan; degreesOfFreedom = .nan; t = .nan; pValue = .nan; ciLow = .nan; ciHigh = .nan
        }
        let relative = DeltaMethod.relativeLift(treatmentMean: treatment.mean, treatmentVariance: vT,
                                                controlMean: control.mean, controlVariance: vC)
        relativeLift = relative.lift
        relativeStandardError = relative.standardError
        relativeCiLow = relative.lift - z * relative.standardError
        relativeCiHigh = relative.lift + z * relative.standardError
    }
}

/// Delta-method helpers (Deng, Knoblich and Lu, "Applying the delta method in metric analytics: a practical
/// guide with novel ideas", KDD 2018).
public enum DeltaMethod {
    /// Relative lift m_T/m_C - 1 of two independent estimates with variances v_T, v_C (of the estimates, i.e.
    /// already divided by n) and its standard error √(v_T/m_C² + m_T² v_C/m_C⁴) (first-order Taylor expansion
    /// of the ratio, Deng et al. 2018 §3.3). NaN when m_C = 0.
    public static func relativeLift(treatmentMean: Double, treatmentVariance: Double,
                                    controlMean: Double, controlVariance: Double) -> (lift: Double, standardError: Double) {
        if controlMean == 0 || controlMean.isNaN { return (.nan, .nan) }
        let c2 = controlMean * controlMean
        let variance = treatmentVariance / c2 + treatmentMean * treatmentMean * controlVariance / (c2 * c2)
        return (treatmentMean / controlMean - 1, variance.squareRoot())
    }
}

/// A ratio metric with user-level clustering, such as CTR = Σ clicks / Σ impressions over an arm's users,
/// where the analysis unit (impression) differs from the randomization unit (user). Treating impressions as
/// independent underestimates the variance; instead the ratio is written as a ratio of per-user means
/// R = x̄ / ȳ (x_i, y_i = user i's numerator and denominator sums) and its variance follows from the delta
/// method (Deng, Knoblich and Lu 2018, §3.1, eq. for the ratio of means):
/// Var(R) ≈ (s_x² - 2 R s_xy + R² s_y²) / (n ȳ²), with unbiased sample (co)variances.
/// Users with a zero denominator still count (they are part of the randomized population). O(n).
/// The interval is R ± z_(1-α/2) SE. Fewer than two users, or ȳ = 0, give NaN spread.
/// The same estimator serves the self-normalized IPS estimate of off-policy evaluation, Σ w_i r_i / Σ w_i
/// (numerators w_i r_i, denominators w_i).
public struct RatioMetric: Sendable, Equatable {
    public var ratio: Double
    public var numeratorMean: Double
    public var denominatorMean: Double
    /// Delta-method variance of the ratio estimate (already divided by n).
    public var variance: Double
    public var standardError: Double
    public var n: Int
    public var ciLow: Double
    public var ciHigh: Double
    public var level: Double

    public init(numerators: [Double], denominators: [Double], level: Double = 0.95) {
        precondition(numerators.count == denominators.count,
                     "ratio metric needs per-user numerators and denominators of equal length (\(numerators.count) vs \(denominators.count))")
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        self.level = level
        n = numerators.count
        numeratorMean = Descriptive.mean(numerators)
        denominatorMean = Descriptive.mean(denominators)
        ratio = denominatorMean == 0 ? .nan : numeratorMean / denominatorMean
        if n >= 2 && denominatorMean != 0 {
            let sxx = Descriptive.variance(numerators)
            let syy = Descriptive.variance(denominators)
            let sxy = Descriptive.covariance(numerators, denominators)
            let raw = (sxx - 2 * ratio * sxy + ratio * ratio * syy) / (Double(n) * denominatorMean * denominatorMean)
            variance = max(0, raw)
            standardError = variance.squareRoot()
            let z = Normal.quantile(1 - (1 - level) / 2)
            ciLow = ratio - z * standardError
            ciHigh = ratio + z * standardError
        } else {
            variance = .nan; standardError = .nan; ciLow = .nan; ciHigh = .nan
        }
    }
}

/// Comparison of a ratio metric between two independent arms (z test on the delta-method variances, Deng et
/// al. 2018): absolute lift R_T - R_C with SE √(Var R_T + Var R_C), two-sided normal p-value, and the relative
/// lift R_T/R_C - 1 with the delta-method SE of `DeltaMethod.relativeLift`. A zero SE gives p = 1 when the
/// ratios are equal and p = 0 otherwise. O(n).
public struct RatioComparison: Sendable, Equatable {
    public var treatment: RatioMetric
    public var control: RatioMetric
    public var difference: Double
    public var standardError: Double
    public var z: Double
    public var pValue: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var relativeLift: Double
    public var relativeStandardError: Double
    public var relativeCiLow: Double
    public var relativeCiHigh: Double
    public var level: Double

    public init(treatment: RatioMetric, control: RatioMetric, level: Double = 0.95) {
        precondition(level > 0 && level < 1, "confidence level must be in (0, 1), got \(level)")
        self.treatment = treatment
        self.control = control
        self.level = level
        let quantile = Normal.quantile(1 - (1 - level) / 2)
        difference = treatment.ratio - control.ratio
        standardError = (treatment.variance + control.variance).squareRoot()
        if standardError == 0 {
            z = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
            pValue = difference == 0 ? 1 : 0
        } else {
            z = difference / standardError
            pValue = Normal.twoSidedPValue(z)
        }
        ciLow = difference - quantile * standardError
        ciHigh = difference + quantile * standardError
        let relative = DeltaMethod.relativeLift(treatmentMean: treatment.ratio, treatmentVariance: treatment.variance,
                                                controlMean: control.ratio, controlVariance: control.variance)
        relativeLift = relative.lift
        relativeStandardError = relative.standardError
        relativeCiLow = relative.lift - quantile * relative.standardError
        relativeCiHigh = relative.lift + quantile * relative.standardError
    }

    /// From per-user numerator and denominator sums of each arm.
    public init(treatmentNumerators: [Double], treatmentDenominators: [Double],
                controlNumerators: [Double], controlDenominators: [Double], level: Double = 0.95) {
        self.init(treatment: RatioMetric(numerators: treatmentNumerators, denominators: treatmentDenominators, level: level),
                  control: RatioMetric(numerators: controlNumerators, denominators: controlDenominators, level: level),
                  level: level)
    }
}

/// Sample ratio mismatch check: Pearson's chi-square goodness-of-fit test (K. Pearson 1900) of the users
/// assigned to each arm against the configured traffic weights, as recommended for A/B tests by Fabijan et al.
/// ("Diagnosing sample ratio mismatch in online controlled experiments", KDD 2019):
/// χ² = Σ (O_i - E_i)² / E_i with E_i = N w_i / Σw, k - 1 degrees of freedom (arms with weight 0 are excluded
/// when nobody was assigned to them, and make χ² infinite when somebody was). A mismatch is flagged when
/// p < `threshold` (0.001 by default: SRM checks run on every experiment, so a strict threshold keeps false
/// alarms rare while real assignment bugs, with their huge χ², are still caught). O(k).
public struct SampleRatioMismatch: Sendable, Equatable {
    public var chiSquare: Double
    public var degreesOfFreedom: Int
    public var pValue: Double
    public var observed: [Int]
    public var expected: [Double]
    public var threshold: Double
    /// True when p < threshold: the assignment is broken and the experiment's results are not to be trusted.
    public var mismatch: Bool

    public init(observed: [Int], weights: [Double], threshold: Double = 0.001) {
        precondition(observed.count == weights.count, "one weight per arm is needed (\(observed.count) counts, \(weights.count) weights)")
        precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.contains { $0 > 0 },
                     "weights must be non-negative and not all zero")
        precondition(observed.allSatisfy { $0 >= 0 }, "observed counts must be non-negative")
        self.observed = observed
        self.threshold = threshold
        let total = Double(observed.reduce(0, +))
        let weightSum = weights.reduce(0, +)
        expected = weights.map { total * $0 / weightSum }
        var statistic = 0.0
        var cells = 0
        for i in 0..<observed.count {
            if expected[i] == 0 {
                if observed[i] > 0 { statistic = .infinity; cells += 1 }
                continue
            }
            let d = Double(observed[i]) - expected[i]
            statistic += d * d / expected[i]
            cells += 1
        }
        chiSquare = statistic
        degreesOfFreedom = max(cells - 1, 0)
        if total == 0 || degreesOfFreedom == 0 {
            pValue = 1
        } else {
            pValue = ChiSquare.survival(statistic, df: Double(degreesOfFreedom))
        }
        mismatch = pValue < threshold
    }
}
