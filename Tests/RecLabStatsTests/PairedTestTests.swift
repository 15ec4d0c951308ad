import RecLabStats
import XCTest

final class PairedTestTests: XCTestCase {
    // Per-user values of two strategies; one zero difference (0.22 - 0.22) and one tie in |d| (0.05, -0.05).
    let a = [0.12, 0.35, 0.0, 0.5, 0.22, 0.9, 0.41, 0.05, 0.33, 0.6, 0.18, 0.27]
    let b = [0.10, 0.30, 0.05, 0.42, 0.22, 0.7, 0.45, 0.0, 0.25, 0.61, 0.1, 0.2]

    func testPairedTAgainstSciPy() {
        // python3 -c "from scipy.stats import ttest_rel as T; a=[0.12,0.35,0.0,0.5,0.22,0.9,0.41,0.05,0.33,0.6,0.18,0.27]; b=[0.10,0.30,0.05,0.42,0.22,0.7,0.45,0.0,0.25,0.61,0.1,0.2]; r=T(a,b); print(r.statistic, r.pvalue, list(r.confidence_interval(0.95)), list(r.confidence_interval(0.9)))"
        let test = PairedTTest(a, b)
        assertClose(test.t, 2.2627343768068373, relative: 1e-12)
        assertClose(test.pValue, 0.044876237397854665, relative: 1e-11)
        assertClose(test.ciLow, 0.0012052926315799517, relative: 1e-10)
        assertClose(test.ciHigh, 0.08712804070175338, relative: 1e-12)
        XCTAssertEqual(test.degreesOfFreedom, 11)
        XCTAssertEqual(test.n, 12)
        let test90 = PairedTTest(a, b, level: 0.9)
        assertClose(test90.ciLow, 0.00911250963769969, relative: 1e-11)
        assertClose(test90.ciHigh, 0.07922082369563363, relative: 1e-12)
        // Swapping the arms flips the sign, keeps the p-value.
        let swapped = PairedTTest(b, a)
        assertClose(swapped.t, -test.t, relative: 1e-14)
        assertClose(swapped.pValue, test.pValue, relative: 1e-14)
    }

    func testPairedTEdgeCases() {
        let none = PairedTTest([], [])
        XCTAssertTrue(none.pValue.isNaN && none.meanDifference.isNaN)
        let one = PairedTTest([0.5], [0.25])
        XCTAssertEqual(one.meanDifference, 0.25)
        XCTAssertTrue(one.pValue.isNaN && one.ciLow.isNaN)
        // n = 2: 1 degree of freedom.
        // python3 -c "from scipy.stats import ttest_rel as T; r=T([1.0,3.0],[0.5,1.0]); print(r.pvalue, r.confidence_interval())"
        let two = PairedTTest([1.0, 3.0], [0.5, 1.0])
        assertClose(two.pValue, 0.34404173924526144, relative: 1e-12)
        assertClose(two.ciLow, -8.27965355213102, relative: 1e-12)
        assertClose(two.ciHigh, 10.77965355213102, relative: 1e-12)
        // All differences zero: no evidence, p = 1 (SciPy returns NaN here; we define it so Holm stays usable).
        let same = PairedTTest([0.3, 0.4, 0.5], [0.3, 0.4, 0.5])
        XCTAssertEqual(same.t, 0)
        XCTAssertEqual(same.pValue, 1)
        XCTAssertEqual(same.ciLow, 0)
        XCTAssertEqual(same.ciHigh, 0)
        // Constant non-zero difference: zero variance, certain difference.
        let shifted = PairedTTest([1.5, 2.5, 3.5], [1, 2, 3])
        XCTAssertEqual(shifted.pValue, 0)
        XCTAssertEqual(shifted.t, .infinity)
        XCTAssertEqual(shifted.ciLow, 0.5)
        // A huge effect: p-value far in the tail, still positive and accurate.
        // python3 -c "from scipy.stats import ttest_rel as T; print(T([10.0,10.1,9.9,10.05,9.95,10.02],[0,0,0,0,0,0]).pvalue)"
        let extreme = PairedTTest([10.0, 10.1, 9.9, 10.05, 9.95, 10.02], [0, 0, 0, 0, 0, 0])
        assertClose(extreme.pValue, 3.92616546831161e-12, relative: 1e-9)
    }

    func testWilcoxonNormalApproximationWithZerosAndTies() {
        // python3 -c "from scipy.stats import wilcoxon as W; a=[0.12,0.35,0.0,0.5,0.22,0.9,0.41,0.05,0.33,0.6,0.18,0.27]; b=[0.10,0.30,0.05,0.42,0.22,0.7,0.45,0.0,0.25,0.61,0.1,0.2]; r=W(a,b,zero_method='wilcox',correction=True,method='approx'); print(r.statistic, r.pvalue)"
        let test = WilcoxonSignedRank(a, b)
        XCTAssertEqual(test.zeros, 1)
        XCTAssertEqual(test.n, 11)
        XCTAssertFalse(test.exact, "ties force the normal approximation")
        XCTAssertEqual(min(test.wPlus, test.wMinus), 9.5)
        XCTAssertEqual(test.wPlus + test.wMinus, 66)
        assertClose(test.pValue, 0.04066072250322513, relative: 1e-12)

        // Many ties and zeros, n = 60.
        // python3 -c "from scipy.stats import wilcoxon as W; d=[(i*37)%23-10.0 for i in range(60)]; r=W(d,zero_method='wilcox',correction=True,method='approx'); print(r.statistic, r.pvalue)"
        let d = (0..<60).map { Double(($0 * 37) % 23) - 10 }
        let big = WilcoxonSignedRank(differences: d)
        XCTAssertEqual(min(big.wPlus, big.wMinus), 698)
        assertClose(big.pValue, 0.30869168828542926, relative: 1e-12)
    }

    func testWilcoxonExactDistribution() {
        // Hollander and Wolfe's depression data (the SciPy documentation example): n = 9, no ties.
        // python3 -c "from scipy.stats import wilcoxon as W; c=[1.83,0.50,1.62,2.48,1.68,1.88,1.55,3.06,1.30]; d=[0.878,0.647,0.598,2.05,1.06,1.29,1.06,3.14,1.29]; r=W(c,d,method='exact'); print(r.statistic, r.pvalue)"
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
        let y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
        let test = WilcoxonSignedRank(x, y)
        XCTAssertTrue(test.exact)
        XCTAssertEqual(test.wMinus, 5)
        assertClose(test.pValue, 0.0390625, relative: 1e-14)

        // n = 20 and 25 exact, 30 by the normal approximation (above the exact limit).
        // python3 -c "from scipy.stats import wilcoxon as W; d=[(i*37)%101-45.3 for i in range(30)]; print(W(d[:20],method='exact').pvalue, W(d[:25],method='exact').pvalue, W(d,method='approx',correction=True).pvalue, W(d,method='exact').pvalue)"
        let d = (0..<30).map { Double(($0 * 37) % 101) - 45.3 }
        let t20 = WilcoxonSignedRank(differences: Array(d[..<20]))
        XCTAssertTrue(t20.exact)
        assertClose(t20.pValue, 0.7285060882568359, relative: 1e-13)
        assertClose(WilcoxonSignedRank(differences: Array(d[..<25])).pValue, 0.7509929537773132, relative: 1e-13)
        let t30 = WilcoxonSignedRank(differences: d)
        XCTAssertFalse(t30.exact)
        assertClose(t30.pValue, 0.6509063250270037, relative: 1e-12)
        // A higher exact limit switches n = 30 to the exact distribution.
        assertClose(WilcoxonSignedRank(differences: d, exactLimit: 30).pValue, 0.6554384250193834, relative: 1e-12)
    }

    func testWilcoxonSmallAndDegenerate() {
        // python3 -c "from scipy.stats import wilcoxon as W; print(W([1.0,2,3,4,5,6,7,8]).pvalue, W([1.0,2]).pvalue, W([-1.0]).pvalue)"
        XCTAssertEqual(WilcoxonSignedRank(differences: [1, 2, 3, 4, 5, 6, 7, 8]).pValue, 0.0078125)
        XCTAssertEqual(WilcoxonSignedRank(differences: [1, 2]).pValue, 0.5)
        XCTAssertEqual(WilcoxonSignedRank(differences: [-1]).pValue, 1)
        // All differences zero: nothing to rank, no evidence.
        let zeros = WilcoxonSignedRank([0.2, 0.3, 0.4], [0.2, 0.3, 0.4])
        XCTAssertEqual(zeros.n, 0)
        XCTAssertEqual(zeros.zeros, 3)
        XCTAssertEqual(zeros.pValue, 1)
        // NaN differences are neither ranked nor counted as zeros.
        let withNaN = WilcoxonSignedRank(differences: [.nan, 0, 1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(withNaN.n, 8)
        XCTAssertEqual(withNaN.zeros, 1)
        XCTAssertEqual(withNaN.pValue, 0.0078125)
        // Exact p-values sum over the whole distribution: n = 10, W+ = 0 gives 2 / 2^10.
        XCTAssertEqual(WilcoxonSignedRank(differences: (1...10).map { -Double($0) }).pValue, 2.0 / 1024)
    }

    func testHolmAndBenjaminiHochberg() {
        let p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.04]
        // By hand: sorted 0.005, 0.01, 0.03, 0.04, 0.04, 0.5 times m - j + 1 = 6..1 gives 0.03, 0.05, 0.12, 0.12, 0.08, 0.5;
        // the running maximum makes the 0.08 0.12.
        let holm = MultipleTesting.holm(p)
        for (x, e) in zip(holm, [0.05, 0.12, 0.12, 0.03, 0.5, 0.12]) { assertClose(x, e, relative: 1e-14) }
        // python3 -c "from scipy.stats import false_discovery_control as F; p=[0.01,0.04,0.03,0.005,0.5,0.04]; print(F(p).tolist())"
        let bh = MultipleTesting.adjust(p, method: .benjaminiHochberg)
        for (x, e) in zip(bh, [0.03, 0.048, 0.048, 0.03, 0.5, 0.048]) { assertClose(x, e, relative: 1e-14) }
        // Capped at 1, NaN entries are not tests.
        XCTAssertEqual(MultipleTesting.holm([0.4, 0.6, 0.9]), [1, 1, 1])
        let withNaN = MultipleTesting.holm([0.01, .nan, 0.02])
        XCTAssertTrue(withNaN[1].isNaN)
        assertClose(withNaN[0], 0.02, relative: 1e-15)
        assertClose(withNaN[2], 0.02, relative: 1e-15)
        XCTAssertEqual(MultipleTesting.holm([]), [])
    }

    func testAdjustmentsAreMonotoneAndBounded() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<50 {
            let m = 1 + generator.nextInt(40)
            let p = (0..<m).map { _ in pow(Double(generator.nextInt(1_000_000) + 1) / 1_000_000, 3) }
            for method in MultipleTesting.Method.allCases {
                let adjusted = MultipleTesting.adjust(p, method: method)
                for i in 0..<m {
                    XCTAssertGreaterThanOrEqual(adjusted[i], p[i])
                    XCTAssertLessThanOrEqual(adjusted[i], 1)
                    for j in 0..<m where p[i] <= p[j] {
                        XCTAssertLessThanOrEqual(adjusted[i], adjusted[j], "\(method) not monotone")
                    }
                }
            }
            // Holm is never less conservative than BH.
            let holm = MultipleTesting.holm(p), bh = MultipleTesting.benjaminiHochberg(p)
            for i in 0..<m { XCTAssertGreaterThanOrEqual(holm[i] + 1e-15, bh[i]) }
        }
    }
}
