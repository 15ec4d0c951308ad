// RecLabStats: sequential tests for data looked at repeatedly (daily looks at an A/B test).
import Foundation

/// An always-valid two-sided confidence sequence for a difference in means: the asymptotic normal-mixture
/// boundary of S. R. Howard, A. Ramdas, J. McAuliffe and J. Sekhon, "Time-uniform, nonparametric,
/// nonasymptotic confidence sequences" (Ann. Statist. 49(2), 2021), in the asymptotic form of I. Waudby-Smith,
/// D. Arbour, R. Sinha, E. H. Kennedy and A. Ramdas, "Time-uniform central limit theory and asymptotic
/// confidence sequences" (Ann. Statist., 2024, eq. 9), parameterised as GrowthBook does with a tuning
/// parameter N* (the sample size at which the sequence is tightest):
///
///   ρ = √((−2 ln α + ln(−2 ln α + 1)) / N*),
///   half-width at n units = σ̂ √n · √(2(nρ² + 1) ln(√(nρ² + 1) / α) / (nρ)²),
///
/// with σ̂ the standard error of the estimated difference (σ̂ √n the per-unit standard deviation). In z units
/// (estimate / σ̂) the boundary is c_n = √(2(nρ² + 1)/(nρ²) · ln(√(nρ² + 1)/α)): the test may stop at the first
/// look with |z| ≥ c_n, at any data-dependent time, and P(ever crossing | no difference) ≤ α asymptotically.
/// The always-valid p-value is 1 / e-value, e = exp(ρ² n z² / (2(nρ² + 1))) / √(nρ² + 1) (same paper, eq. 155),
/// capped at 1 and made monotone by its running minimum. O(1) per look.
public struct ConfidenceSequence: Sendable, Equatable {
    public let alpha: Double
    /// N*: where the sequence is tightest (GrowthBook's "tuning parameter"; its default is 5000).
    public let tuning: Double
    public let rho: Double

    public init(alpha: Double, tuning: Double) {
        precondition(alpha > 0 && alpha < 1 && tuning > 0)
        self.alpha = alpha; self.tuning = tuning
        let l = -2 * log(alpha)
        rho = ((l + log(l + 1)) / tuning).squareRoot()
    }

    /// Critical |z| at `n` units (both arms together); +inf for n < 1.
    public func zBoundary(n: Int) -> Double {
        guard n >= 1 else { return .infinity }
        let nr = Double(n) * rho * rho
        return (2 * (nr + 1) / nr * log((nr + 1).squareRoot() / alpha)).squareRoot()
    }

    /// Half-width of the sequence for an estimate with standard error `standardError` at `n` units.
    public func halfWidth(standardError: Double, n: Int) -> Double { standardError * zBoundary(n: n) }

    /// The always-valid p-value of a z statistic at `n` units (not yet the running minimum).
    public func pValue(z: Double, n: Int) -> Double {
        guard n >= 1, z.isFinite else { return z.isNaN ? .nan : (n >= 1 ? 0 : 1) }
        let nr = Double(n) * rho * rho
        let logE = nr * z * z / (2 * (nr + 1)) - 0.5 * log(nr + 1)
        return logE <= 0 ? 1 : min(1, exp(-logE))
    }
}

/// Lan-DeMets alpha-spending functions (K. K. G. Lan and D. L. DeMets, "Discrete sequential boundaries for
/// clinical trials", Biometrika 70, 1983): the type-I error spent by information fraction t ∈ [0, 1] by a
/// symmetric two-sided test of level α, each side spending α/2 with the one-sided function (as R's ldbounds
/// and gsDesign do).
public enum AlphaSpending: String, Sendable, CaseIterable {
    /// O'Brien-Fleming type: per side α_s(t) = 2 − 2Φ(z_{1−α_s/2} / √t) with α_s = α/2 (spends almost nothing early).
    case obrienFleming = "obrien-fleming"
    /// Pocock type: α(t) = α ln(1 + (e − 1) t) (spends evenly).
    case pocock

    public func spent(alpha: Double, fraction t: Double) -> Double {
        guard t > 0 else { return 0 }
        let u = min(t, 1)
        switch self {
        case .obrienFleming: return 2 * (2 - 2 * Normal.cdf(Normal.quantile(1 - alpha / 4) / u.squareRoot()))
        case .pocock: return alpha * log(1 + (M_E - 1) * u)
        }
    }
}

/// Two-sided group-sequential boundaries for a standardised statistic Z_k = S_k / √t_k looked at K times, at
/// information fractions t_1 < ... < t_K = 1, with the partial sums S_k having independent normal increments
/// (the canonical joint distribution; C. Jennison and B. W. Turnbull, "Group Sequential Methods with
/// Applications to Clinical Trials", 2000, §3.1 and ch. 19). Boundaries c_k solve
/// P(|Z_j| < c_j for j < k, |Z_k| ≥ c_k | H0) = α(t_k) − α(t_{k−1}) for a Lan-DeMets spending function,
/// computed by the recursive numerical integration of Armitage, McPherson and Rowe ("Repeated significance
/// tests on accumulating data", JRSS A 132, 1969): the sub-density of S_k on the continuation region is
/// carried from look to look on a grid (Simpson's rule) and each c_k found by bisection on its exit
/// probability. Cost O(K G²) for G grid points per look.
public enum GroupSequential {
    /// Boundaries for a spending function at `fractions` (increasing in (0, 1]; the last is normally 1).
    /// A look that may spend (almost) nothing gets +inf (it can never stop the test).
    public static func boundaries(spending: AlphaSpending, alpha: Double, fractions: [Double], grid: Int = 401) -> [Double] {
        precondition(alpha > 0 && alpha < 1)
        var targets: [Double] = []
        var previous = 0.0
        for t in fractions {
            let a = spending.spent(alpha: alpha, fraction: t)
            targets.append(max(0, a - previous)); previous = max(previous, a)
        }
        return solve(fractions: fractions, grid: grid) { k, _ in targets[k] }
    }

    /// Probability under H0 of crossing each look first (the alpha each look spends) for given boundaries.
    public static func exitProbabilities(boundaries: [Double], fractions: [Double], grid: Int = 401) -> [Double] {
        var exits: [Double] = []
        _ = solve(fractions: fractions, grid: grid, fixed: boundaries) { _, exit in exits.append(exit); return 0 }
        return exits
    }

    /// The constant boundary c with total crossing probability α over the looks: Pocock's original test
    /// (S. J. Pocock, "Group sequential methods in the design and analysis of clinical trials", Biometrika 64, 1977).
    public static func pocockConstant(alpha: Double, fractions: [Double], grid: Int = 401) -> Double {
        var lo = Normal.quantile(1 - alpha / 2), hi = 6.0
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            let total = exitProbabilities(boundaries: [Double](repeating: mid, count: fractions.count), fractions: fractions, grid: grid).reduce(0, +)
            if total > alpha { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// The recursion. With `fixed` boundaries it only reports each look's exit probability through `target`;
    /// otherwise `target(k, _)` gives the probability look k must spend and the boundary is solved for.
    static func solve(fractions: [Double], grid: Int, fixed: [Double]? = nil,
                      target: (Int, Double) -> Double) -> [Double] {
        precondition(!fractions.isEmpty && fractions.allSatisfy { $0 > 0 })
        precondition(zip(fractions, fractions.dropFirst()).allSatisfy { $0 < $1 }, "information fractions must increase")
        let g = max(grid | 1, 21)   // odd, for Simpson's rule
        var result: [Double] = []
        // Grid points and Simpson-weighted sub-density of S at the previous look.
        var points: [Double] = [], mass: [Double] = []
        for (k, t) in fractions.enumerated() {
            let exit: (Double) -> Double
            if k == 0 {
                exit = { c in 2 * Normal.survival(c) }
            } else {
                let sd = (t - fractions[k - 1]).squareRoot(), root = t.squareRoot()
                let (ps, ms) = (points, mass)
                exit = { c in
                    let b = c * root
                    var p = 0.0
                    for i in ps.indices { p += ms[i] * (Normal.cdf((-b - ps[i]) / sd) + Normal.survival((b - ps[i]) / sd)) }
                    return p
                }
            }
            var c: Double
            if let fixed {
                c = fixed[k]
                _ = target(k, c.isFinite ? exit(c) : 0)
            } else {
                let want = target(k, 0)
                if want <= 1e-15 {
                    c = .infinity
                } else {
                    var lo = 0.0, hi = 40.0
                    for _ in 0..<80 {
                        let mid = (lo + hi) / 2
                        if exit(mid) > want { lo = mid } else { hi = mid }
                    }
                    c = (lo + hi) / 2
                }
            }
            result.append(c)
            // Carry the sub-density of S_k on the continuation region (−c√t, c√t) to the grid of this look.
            let half = min(c, 12) * t.squareRoot()
            let h = 2 * half / Double(g - 1)
            var newPoints = [Double](repeating: 0, count: g), newMass = [Double](repeating: 0, count: g)
            for j in 0..<g {
                let y = -half + Double(j) * h
                newPoints[j] = y
                var density: Double
                if k == 0 {
                    density = Normal.pdf(y / t.squareRoot()) / t.squareRoot()
                } else {
                    let sd = (t - fractions[k - 1]).squareRoot()
                    density = 0
                    for i in points.indices { density += mass[i] * Normal.pdf((y - points[i]) / sd) / sd }
                }
                let w = (j == 0 || j == g - 1) ? 1.0 : (j % 2 == 1 ? 4.0 : 2.0)
                newMass[j] = density * w * h / 3
            }
            points = newPoints; mass = newMass
        }
        return result
    }
}

/// The exact two-sided binomial sign test of H0: P(win) = P(loss) = ½ over units with a preference (ties
/// dropped), W. J. Dixon and A. M. Mood, "The statistical sign test", JASA 41, 1946: with n = wins + losses
/// and k = min(wins, losses), p = min(1, 2 P(X ≤ k)) for X ~ Binomial(n, ½). The usual test of an
/// interleaving experiment's per-user preferences (Chapelle, Joachims, Radlinski and Yue, "Large-scale
/// validation and analysis of interleaved search evaluation", ACM TOIS 30, 2012). O(1) via the regularised
/// incomplete beta function: P(X ≤ k) = I_{1/2}(n − k, k + 1).
public struct SignTest: Sendable, Equatable {
    public var wins: Int
    public var losses: Int
    public var pValue: Double

    public init(wins: Int, losses: Int) {
        precondition(wins >= 0 && losses >= 0)
        self.wins = wins; self.losses = losses
        let n = wins + losses, k = min(wins, losses)
        if n == 0 || 2 * k == n {
            pValue = 1
        } else {
            let tail = SpecialFunctions.regularizedIncompleteBeta(a: Double(n - k), b: Double(k + 1), x: 0.5, oneMinusX: 0.5)
            pValue = min(1, 2 * tail)
        }
    }
}
