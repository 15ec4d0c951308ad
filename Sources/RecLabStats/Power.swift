// RecLabStats: power analysis and CUPED variance reduction for A/B tests.
import Foundation

/// Power of a two-sided, two-sample comparison of means by the normal (z) approximation, as used for online
/// experiment planning (Kohavi, Tang and Xu, "Trustworthy Online Controlled Experiments", Cambridge University
/// Press 2020, ch. 17; van Belle, "Statistical Rules of Thumb", 2nd ed. 2008, §2.3). With
/// SE = √(σ_T²/n_T + σ_C²/n_C), a true difference Δ is detected at level α with probability
/// Φ(|Δ|/SE - z_(1-α/2)) + Φ(-|Δ|/SE - z_(1-α/2)). All O(1).
public enum Power {
    /// Minimum detectable absolute effect: MDE = (z_(1-α/2) + z_power) · √(σ_T²/n_T + σ_C²/n_C), the smallest
    /// true difference detected with probability `power` (neglecting the far tail). NaN when the variances are
    /// not finite or a count is zero.
    public static func minimumDetectableEffect(treatmentVariance: Double, controlVariance: Double,
                                               treatmentCount: Int, controlCount: Int,
                                               alpha: Double = 0.05, power: Double = 0.8) -> Double {
        precondition(alpha > 0 && alpha < 1 && power > 0 && power < 1, "alpha and power must be in (0, 1)")
        if treatmentCount <= 0 || controlCount <= 0 { return .nan }
        let standardError = (treatmentVariance / Double(treatmentCount) + controlVariance / Double(controlCount)).squareRoot()
        return (Normal.quantile(1 - alpha / 2) + Normal.quantile(power)) * standardError
    }

    /// Users needed in each of two equal arms to detect a relative effect `relativeEffect` (e.g. 0.02 for 2%)
    /// of the control mean `baselineMean`: n = (z_(1-α/2) + z_power)² (σ_T² + σ_C²) / Δ² with
    /// Δ = relativeEffect · |baselineMean| (Kohavi et al. 2020, ch. 17; for σ_T = σ_C, α = 0.05 and power 0.8
    /// this is van Belle's rule of thumb n ≈ 16σ²/Δ²). Rounded up, at least 2 (a variance needs two users).
    /// nil when Δ = 0 or a variance is not finite.
    public static func usersPerArm(baselineMean: Double, treatmentVariance: Double, controlVariance: Double,
                                   relativeEffect: Double, alpha: Double = 0.05, power: Double = 0.8) -> Int? {
        precondition(alpha > 0 && alpha < 1 && power > 0 && power < 1, "alpha and power must be in (0, 1)")
        let delta = abs(relativeEffect * baselineMean)
        let variance = treatmentVariance + controlVariance
        if !(delta > 0) || !variance.isFinite || !delta.isFinite { return nil }
        let z = Normal.quantile(1 - alpha / 2) + Normal.quantile(power)
        let n = (z * z * variance / (delta * delta)).rounded(.up)
        if n >= Double(Int.max) { return nil }
        return max(2, Int(n))
    }

    /// Users per arm for one shared variance σ² (both arms alike, the usual planning assumption).
    public static func usersPerArm(baselineMean: Double, variance: Double, relativeEffect: Double,
                                   alpha: Double = 0.05, power: Double = 0.8) -> Int? {
        usersPerArm(baselineMean: baselineMean, treatmentVariance: variance, controlVariance: variance,
                    relativeEffect: relativeEffect, alpha: alpha, power: power)
    }

    /// Probability of a significant two-sided z test at level α when the true difference is `effect` and the
    /// estimate's standard error is `standardError`.
    public static func achievedPower(effect: Double, standardError: Double, alpha: Double = 0.05) -> Double {
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1)")
        if !(standardError > 0) { return .nan }
        let z = Normal.quantile(1 - alpha / 2)
        let shift = abs(effect) / standardError
        return Normal.cdf(shift - z) + Normal.cdf(-shift - z)
    }
}

/// The power summary of one treatment-versus-control comparison of per-user means: the MDE for the observed
/// variances and sample sizes, relative to the control mean, and the users per arm a target relative MDE needs
/// (see `Power`).
public struct PowerAnalysis: Sendable, Equatable {
    public var alpha: Double
    public var power: Double
    /// Minimum detectable absolute effect for the observed sample.
    public var mde: Double
    /// mde / |control mean| (NaN when the control mean is 0).
    public var relativeMde: Double
    public var targetRelativeMde: Double
    /// Users per arm needed for `targetRelativeMde`, nil when undefined (zero control mean or unknown variance).
    public var usersNeededPerArm: Int?

    public init(treatment: MeanSummary, control: MeanSummary, targetRelativeMde: Double,
                alpha: Double = 0.05, power: Double = 0.8) {
        self.alpha = alpha
        self.power = power
        self.targetRelativeMde = targetRelativeMde
        mde = Power.minimumDetectableEffect(treatmentVariance: treatment.variance, controlVariance: control.variance,
                                            treatmentCount: treatment.n, controlCount: control.n, alpha: alpha, power: power)
        relativeMde = control.mean == 0 ? .nan : mde / abs(control.mean)
        usersNeededPerArm = Power.usersPerArm(baselineMean: control.mean, treatmentVariance: treatment.variance,
                                              controlVariance: control.variance, relativeEffect: targetRelativeMde,
                                              alpha: alpha, power: power)
    }
}

/// CUPED: controlled experiments using pre-experiment data (Deng, Xu, Kohavi and Walker, "Improving the
/// sensitivity of online controlled experiments by utilizing pre-experiment data", WSDM 2013).
/// Each user's metric Y is replaced by Y' = Y - θ (X - X̄), X being the same user's pre-experiment value, with
/// θ = cov(Y, X) / var(X) estimated on all arms pooled (X is independent of the assignment, so pooling keeps
/// the lift unbiased and θ identical across arms, §3.2 of the paper). Means of Y' estimate the same lifts with
/// variance reduced by the fraction ρ²(Y, X).
///
/// `varianceReduction` = 1 - Var(Y')/Var(Y) over the pooled users, which equals ρ² for this θ.
/// A covariate with zero variance gives θ = 0 and no reduction. O(total users).
public struct CUPED: Sendable, Equatable {
    public var theta: Double
    /// Pooled mean X̄ of the covariate.
    public var covariateMean: Double
    public var varianceReduction: Double
    /// Y' per arm, in the input order.
    public var adjusted: [[Double]]

    /// - Parameters:
    ///   - outcomes: per arm, the users' metric values Y.
    ///   - covariates: per arm, the same users' pre-experiment values X (same shape as `outcomes`).
    public init(outcomes: [[Double]], covariates: [[Double]]) {
        precondition(outcomes.count == covariates.count && zip(outcomes, covariates).allSatisfy { $0.count == $1.count },
                     "CUPED needs one covariate value per user in every arm")
        let y = outcomes.flatMap { $0 }
        let x = covariates.flatMap { $0 }
        covariateMean = Descriptive.mean(x)
        let varianceX = Descriptive.variance(x)
        theta = varianceX > 0 ? Descriptive.covariance(y, x) / varianceX : 0
        let theta = self.theta, center = covariateMean
        adjusted = zip(outcomes, covariates).map { armY, armX in
            var result = [Double](repeating: 0, count: armY.count)
            for i in 0..<armY.count { result[i] = armY[i] - theta * (armX[i] - center) }
            return result
        }
        let varianceY = Descriptive.variance(y)
        if varianceY > 0 {
            let varianceAdjusted = Descriptive.variance(adjusted.flatMap { $0 })
            varianceReduction = 1 - varianceAdjusted / varianceY
        } else {
            varianceReduction = y.count < 2 ? .nan : 0
        }
    }
}
