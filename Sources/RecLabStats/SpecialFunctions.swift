// RecLabStats: special functions behind the distributions (log-gamma, regularized incomplete beta and gamma).
//
// RecLabStats has no dependencies (not even RecLabCore), so the other modules can use it anywhere.
// Conventions for the whole module:
// - Inputs are `[Double]`; results are small value structs.
// - Statistically undefined quantities (a variance from one value, a CI from one value) are `.nan`, never a crash;
//   NaN encodes fine in the result documents (`ResultJSON` writes "nan").
// - Programming errors (mismatched paired lengths, a confidence level outside (0, 1)) are preconditions.
import Foundation

/// Special functions. Each is a direct evaluation of a textbook formula; the references name the formula,
/// the code is our own.
public enum SpecialFunctions {
    // Lanczos (1964) coefficients for g = 7, n = 9, as tabulated by Godfrey (2001); relative error < 1e-15
    // for positive arguments.
    private static let lanczosG = 7.0
    private static let lanczosCoefficients: [Double] = [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7,
    ]

    /// Natural log of the gamma function, ln Γ(x), for x > 0.
    ///
    /// Lanczos approximation (C. Lanczos, "A precise approximation of the gamma function", SIAM J. Numer.
    /// Anal. B 1, 1964), Γ(x+1) = √(2π) (x+g+½)^(x+½) e^-(x+g+½) A_g(x), with Godfrey's g = 7 coefficients.
    /// For x < ½ the reflection formula Γ(x)Γ(1-x) = π / sin(πx) is used (only for positive x here).
    /// Returns +inf at x = 0 and NaN for x < 0 or NaN. O(1).
    public static func logGamma(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return .infinity }
        if x.isInfinite { return .infinity }
        if x < 0.5 {
            // ln Γ(x) = ln π - ln sin(πx) - ln Γ(1 - x)
            return log(Double.pi / sin(Double.pi * x)) - logGamma(1 - x)
        }
        let z = x - 1
        var sum = lanczosCoefficients[0]
        for i in 1..<lanczosCoefficients.count {
            sum += lanczosCoefficients[i] / (z + Double(i))
        }
        let t = z + lanczosG + 0.5
        return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b). O(1).
    ///
    /// When the larger argument L is ≥ 10, ln Γ(L) - ln Γ(S + L) is not taken as a difference of two large
    /// numbers (which loses ~6 digits at L = 1e5, the t distribution with many degrees of freedom) but from
    /// Stirling's series ln Γ(x) = (x - ½) ln x - x + ½ ln 2π + δ(x) (A&S 6.1.40):
    /// ln Γ(L) - ln Γ(S+L) = -(L - ½) log1p(S/L) - S ln(S+L) + S + δ(L) - δ(S+L).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let small = min(a, b), large = max(a, b)
        if large < 10 { return logGamma(a) + logGamma(b) - logGamma(a + b) }
        let sum = small + large
        let difference = -(large - 0.5) * log1p(small / large) - small * log(sum) + small
            + stirlingCorrection(large) - stirlingCorrection(sum)
        return logGamma(small) + difference
    }

    /// δ(x) = ln Γ(x) - [(x - ½) ln x - x + ½ ln 2π], the Stirling series Σ B_2k / (2k(2k-1) x^(2k-1))
    /// (A&S 6.1.40) through B_14; truncation error < 1e-16 for x ≥ 10.
    static func stirlingCorrection(_ x: Double) -> Double {
        let r = 1 / x
        let r2 = r * r
        return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 * (1.0 / 1188
            - r2 * (691.0 / 360360 - r2 / 156))))))
    }

    /// Regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
    ///
    /// Evaluated by the continued fraction of Abramowitz and Stegun (1964) 26.5.8, with the modified Lentz
    /// algorithm (Lentz 1976; Thompson and Barnett 1986), on whichever of I_x(a, b) and 1 - I_(1-x)(b, a)
    /// converges fast (x < (a+1)/(a+b+2)). `oneMinusX` may be passed when the caller knows 1 - x more
    /// accurately than by subtraction (the t distribution's tails). Iterations grow like √max(a, b).
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double, oneMinusX: Double? = nil) -> Double {
        if a.isNaN || b.isNaN || x.isNaN || a <= 0 || b <= 0 { return .nan }
        let y = oneMinusX ?? (1 - x)
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        if x < (a + 1) / (a + b + 2) {
            return betaPrefactor(a: a, b: b, x: x, y: y) * betaContinuedFraction(a: a, b: b, x: x) / a
        } else {
            return 1 - betaPrefactor(a: a, b: b, x: x, y: y) * betaContinuedFraction(a: b, b: a, x: y) / b
        }
    }

    /// x^a (1-x)^b / B(a, b), computed in logs.
    /// The logs use log1p on whichever of x and 1 - x is small, so neither loses digits near 0 or 1.
    private static func betaPrefactor(a: Double, b: Double, x: Double, y: Double) -> Double {
        let logX = x > 0.5 ? log1p(-y) : log(x)
        let logY = y > 0.5 ? log1p(-x) : log(y)
        return exp(a * logX + b * logY - logBeta(a, b))
    }

    /// Continued fraction 1/(1+ d1/(1+ d2/(1+ ...))) of A&S 26.5.8 with
    /// d_(2m+1) = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d_(2m) = m(b-m)x / ((a+2m-1)(a+2m)),
    /// evaluated by the modified Lentz method.
    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-16
        // f = 1/(1 + d1/(1 + d2/(...))): Lentz on the fraction b0 + a1/(b1 + a2/(b2 + ...)) with b0 = 0, a1 = 1.
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)   // 1 + d1
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        var m = 1
        while m < 100_000 {
            let md = Double(m)
            // Even step d_(2m).
            var numerator = md * (b - md) * x / ((a + 2 * md - 1) * (a + 2 * md))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            // Odd step d_(2m+1).
            numerator = -(a + md) * (a + b + md) * x / ((a + 2 * md) * (a + 2 * md + 1))
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < epsilon { break }
            m += 1
        }
        return f
    }

    /// Regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0 and x ≥ 0.
    ///
    /// Series A&S 6.5.29 for x < a + 1, otherwise 1 - Q(a, x) from the continued fraction A&S 6.5.31
    /// (modified Lentz). Iterations grow like √a.
    public static func regularizedGammaP(a: Double, x: Double) -> Double {
        if a.isNaN || x.isNaN || a <= 0 || x < 0 { return .nan }
        if x == 0 { return 0 }
        if x.isInfinite { return 1 }
        if x < a + 1 { return gammaSeries(a: a, x: x) }
        return 1 - gammaContinuedFraction(a: a, x: x)
    }

    /// Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a) = 1 - P(a, x), computed directly
    /// in the upper tail so that tiny survival probabilities keep their relative accuracy.
    public static func regularizedGammaQ(a: Double, x: Double) -> Double {
        if a.isNaN || x.isNaN || a <= 0 || x < 0 { return .nan }
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        if x < a + 1 { return 1 - gammaSeries(a: a, x: x) }
        return gammaContinuedFraction(a: a, x: x)
    }

    /// P(a, x) = e^-x x^a / Γ(a+1) · Σ_n x^n / ((a+1)...(a+n)).
    private static func gammaSeries(a: Double, x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var denominator = a
        for _ in 0..<100_000 {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(logGammaPrefactor(a: a, x: x))
    }

    /// ln(e^-x x^a / Γ(a)). For a ≥ 10 the three large terms cancel (at a = 5e4 a plain sum loses 5 digits), so
    /// Stirling's series is substituted for ln Γ(a) and the rest regrouped around r = (x - a)/a:
    /// a (log1p(r) - r) + ½ ln a - ½ ln 2π - δ(a) near x = a, a ln(x/a) + a - x + ... away from it (the
    /// approach of DiDonato and Morris, ACM TOMS 12, 1986).
    private static func logGammaPrefactor(a: Double, x: Double) -> Double {
        if a < 10 { return -x + a * log(x) - logGamma(a) }
        let r = (x - a) / a   // x - a is exact when x is within a factor 2 of a (Sterbenz)
        let main = abs(r) < 0.5 ? a * (log1p(r) - r) : a * log(x / a) + (a - x)
        return main + 0.5 * log(a) - 0.5 * log(2 * Double.pi) - stirlingCorrection(a)
    }

    /// Q(a, x) = e^-x x^a / Γ(a) · 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))), modified Lentz.
    private static func gammaContinuedFraction(a: Double, x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var f = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        return exp(logGammaPrefactor(a: a, x: x)) * f
    }
}
