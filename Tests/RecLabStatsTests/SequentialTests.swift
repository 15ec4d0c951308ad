import Foundation
import RecLabStats
import XCTest

final class SequentialTests: XCTestCase {
    let five = [0.2, 0.4, 0.6, 0.8, 1.0]

    func testOBrienFlemingSpendingMatchesPublishedBoundaries() {
        // Lan-DeMets O'Brien-Fleming-type spending, 5 equally spaced looks, two-sided alpha 0.05: the published
        // boundaries 4.877, 3.357, 2.680, 2.290, 2.031 (as given by R ldbounds `bounds(1:5/5, iuse = 1)`).
        let c = GroupSequential.boundaries(spending: .obrienFleming, alpha: 0.05, fractions: five)
        for (got, want) in zip(c, [4.877, 3.357, 2.680, 2.290, 2.031]) { assertClose(got, want, absolute: 0.002) }
        // The spending is honoured exactly by the recursion.
        let exits = GroupSequential.exitProbabilities(boundaries: c, fractions: five)
        assertClose(exits.reduce(0, +), 0.05, relative: 1e-6)
        assertClose(exits[0], AlphaSpending.obrienFleming.spent(alpha: 0.05, fraction: 0.2), relative: 1e-6)
    }

    func testPocockBoundaries() {
        // Pocock's constant for K = 5 at two-sided 0.05 (Pocock 1977, table 1): 2.413.
        assertClose(GroupSequential.pocockConstant(alpha: 0.05, fractions: five, grid: 201), 2.413, absolute: 0.002)
        // K = 2: 2.178 (same table).
        assertClose(GroupSequential.pocockConstant(alpha: 0.05, fractions: [0.5, 1], grid: 201), 2.178, absolute: 0.002)
        // Lan-DeMets Pocock-type spending: nearly flat boundaries around Pocock's constant, decreasing,
        // spending alpha ln(1 + (e - 1) t) at each look.
        let c = GroupSequential.boundaries(spending: .pocock, alpha: 0.05, fractions: five)
        // The Lan-DeMets Pocock-type values for 5 equally spaced looks (R ldbounds `bounds(1:5/5, iuse = 2)`):
        // 2.438, 2.427, 2.410, 2.397, 2.386.
        for (got, want) in zip(c, [2.438, 2.427, 2.410, 2.397, 2.386]) { assertClose(got, want, absolute: 0.002) }
        let exits = GroupSequential.exitProbabilities(boundaries: c, fractions: five)
        var spent = 0.0
        for (k, t) in five.enumerated() {
            spent += exits[k]
            assertClose(spent, AlphaSpending.pocock.spent(alpha: 0.05, fraction: t), relative: 1e-6)
        }
        // One look is the fixed-horizon test.
        assertClose(GroupSequential.boundaries(spending: .pocock, alpha: 0.05, fractions: [1])[0], 1.959964, absolute: 1e-5)
    }

    func testConfidenceSequenceFormula() {
        // rho = sqrt((-2 ln a + ln(-2 ln a + 1)) / N*) (GrowthBook's parameterisation).
        let cs = ConfidenceSequence(alpha: 0.05, tuning: 5000)
        let l = -2 * log(0.05)
        assertClose(cs.rho, ((l + log(l + 1)) / 5000).squareRoot(), relative: 1e-14)
        // Wider than the fixed-horizon interval everywhere, tightest in z units near N*, growing slowly after.
        for n in [10, 100, 1000, 5000, 50_000, 1_000_000] { XCTAssertGreaterThan(cs.zBoundary(n: n), 1.96) }
        XCTAssertLessThan(cs.zBoundary(n: 5000), cs.zBoundary(n: 100))
        // The p-value is below alpha exactly when |z| is beyond the boundary.
        for n in [50, 5000, 200_000] {
            let c = cs.zBoundary(n: n)
            XCTAssertLessThanOrEqual(cs.pValue(z: c * 1.001, n: n), 0.05)
            XCTAssertGreaterThan(cs.pValue(z: c * 0.999, n: n), 0.05)
        }
        XCTAssertEqual(cs.zBoundary(n: 0), .infinity)
    }

    /// Gaussian random walks looked at 30 times: naive peeking at 1.96 inflates the false-positive rate far
    /// above alpha, the sequential boundaries keep it at most alpha (binomial slack for 4000 paths).
    func testPeekingMonteCarlo() {
        let looks = 30, paths = 4000, perLook = 40
        let fractions = (1...looks).map { Double($0) / Double(looks) }
        let obf = GroupSequential.boundaries(spending: .obrienFleming, alpha: 0.05, fractions: fractions, grid: 201)
        let poc = GroupSequential.boundaries(spending: .pocock, alpha: 0.05, fractions: fractions, grid: 201)
        let cs = ConfidenceSequence(alpha: 0.05, tuning: Double(looks * perLook) / 2)
        var rng = SplitMix64(seed: 11)
        func gauss() -> Double {
            let u1 = (Double(rng.next() >> 11) + 0.5) * 0x1.0p-53, u2 = Double(rng.next() >> 11) * 0x1.0p-53
            return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
        var naive = 0, ob = 0, po = 0, cseq = 0
        for _ in 0..<paths {
            var sum = 0.0, n = 0
            var hit = (false, false, false, false)
            for k in 0..<looks {
                for _ in 0..<perLook { sum += gauss(); n += 1 }
                let z = sum / Double(n).squareRoot()
                if abs(z) >= 1.959964 { hit.0 = true }
                if abs(z) >= obf[k] { hit.1 = true }
                if abs(z) >= poc[k] { hit.2 = true }
                if abs(z) >= cs.zBoundary(n: n) { hit.3 = true }
            }
            naive += hit.0 ? 1 : 0; ob += hit.1 ? 1 : 0; po += hit.2 ? 1 : 0; cseq += hit.3 ? 1 : 0
        }
        let rate = { (x: Int) in Double(x) / Double(paths) }
        // Published: about 29% at 30 equally spaced looks (the 29.4%; Armitage, McPherson and Rowe 1969).
        XCTAssertGreaterThan(rate(naive), 0.2); XCTAssertLessThan(rate(naive), 0.36)
        let slack = 3 * (0.05 * 0.95 / Double(paths)).squareRoot()
        XCTAssertLessThan(rate(ob), 0.05 + slack); XCTAssertGreaterThan(rate(ob), 0.05 - slack)
        XCTAssertLessThan(rate(po), 0.05 + slack); XCTAssertGreaterThan(rate(po), 0.05 - slack)
        XCTAssertLessThan(rate(cseq), 0.05 + slack)
    }

    func testSignTest() {
        // scipy.stats.binomtest(k, n, 0.5).pvalue: (8 of 10) 0.109375, (9 of 10) 0.021484375, (60 of 100) 0.056887933640980784.
        assertClose(SignTest(wins: 8, losses: 2).pValue, 0.109375, relative: 1e-10)
        assertClose(SignTest(wins: 1, losses: 9).pValue, 0.021484375, relative: 1e-10)
        assertClose(SignTest(wins: 60, losses: 40).pValue, 0.056887933640980784, relative: 1e-8)
        XCTAssertEqual(SignTest(wins: 5, losses: 5).pValue, 1)
        XCTAssertEqual(SignTest(wins: 0, losses: 0).pValue, 1)
        // Exhaustive check against the binomial sum for small n.
        for n in 1...25 {
            for w in 0...n {
                let k = min(w, n - w)
                var tail = 0.0
                for i in 0...k { tail += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))) }
                tail /= pow(2, Double(n))
                assertClose(SignTest(wins: w, losses: n - w).pValue, min(1, 2 * tail), relative: 1e-9, absolute: 1e-15)
            }
        }
    }
}
