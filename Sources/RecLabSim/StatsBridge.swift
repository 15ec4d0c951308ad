import Foundation

// The few distribution functions the experiment analysis calls. RecLabStats owns statistics; these are
// the call sites' stand-ins until its API lands, kept in one place so switching over is a one-file change.
// Formulas: normal via erfc; Student t and chi-square through the regularised incomplete beta and gamma
// functions (Abramowitz and Stegun 26.5.27, 26.4.19; continued fractions evaluated with modified Lentz).
enum SimStats {
    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Inverse of the standard normal CDF (bisection refined; |error| < 1e-12 on (1e-300, 1 - 1e-16)).
    static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if normalCDF(mid) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-13 { break }
        }
        return 0.5 * (lo + hi)
    }

    /// Two-sided p-value of a z statistic.
    static func normalTwoSidedP(_ z: Double) -> Double { z.isFinite ? erfc(abs(z) / 2.0.squareRoot()) : (z.isNaN ? .nan : 0) }

    /// Two-sided p-value of Student's t with `df` degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2).
    static func tTwoSidedP(_ t: Double, df: Double) -> Double {
        guard t.isFinite, df > 0 else { return t.isNaN || df.isNaN ? .nan : 0 }
        if df > 1e7 { return normalTwoSidedP(t) }
        return regularizedBeta(x: df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// Quantile of Student's t (bisection on the CDF).
    static func tQuantile(_ p: Double, df: Double) -> Double {
        guard df.isFinite, df > 0, df < 1e7 else { return normalQuantile(p) }
        func cdf(_ t: Double) -> Double {
            let tail = 0.5 * tTwoSidedP(t, df: df)
            return t >= 0 ? 1 - tail : tail
        }
        var lo = -1e4, hi = 1e4
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 { break }
        }
        return 0.5 * (lo + hi)
    }

    /// Upper tail of the chi-square distribution: Q(k/2, x/2).
    static func chiSquareSurvival(_ x: Double, df: Double) -> Double {
        guard x > 0 else { return 1 }
        return regularizedGammaQ(a: df / 2, x: x / 2)
    }

    static func regularizedBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnGammas + lnPowers
        if x < (a + 1) / (a + b + 2) {
            return exp(lnFront) * betaContinuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(lnFront) * betaContinuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func betaContinuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...500 {
            let m = Double(m)
            var num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }

    static func regularizedGammaQ(a: Double, x: Double) -> Double {
        if x < a + 1 {
            // Series for P, then Q = 1 - P.
            var sum = 1 / a, term = 1 / a, n = a
            for _ in 0..<1000 {
                n += 1; term *= x / n; sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return max(0, 1 - sum * exp(-x + a * log(x) - lgamma(a)))
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1...1000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }

    /// Holm's step-down adjustment (Holm 1979): sorted p_(i) * (m - i + 1), made monotone, capped at 1.
    /// NaN p-values are left NaN and do not count toward m.
    static func holm(_ p: [Double]) -> [Double] {
        let idx = p.indices.filter { !p[$0].isNaN }.sorted { p[$0] < p[$1] || (p[$0] == p[$1] && $0 < $1) }
        var out = p
        var running = 0.0
        for (rank, i) in idx.enumerated() {
            running = max(running, min(1, p[i] * Double(idx.count - rank)))
            out[i] = running
        }
        return out
    }
}
