import RecLabStats
import XCTest

/// Large-sample reference checks and null calibration (the tests' false-positive rates are what the A/A
/// checks of the simulator rely on).
final class CalibrationTests: XCTestCase {
    func testLargeSamplesAgainstSciPy() {
        // p-value far in the tail with ~1750 Welch degrees of freedom.
        // python3 -c "from scipy.stats import ttest_ind as T; x=[i%7+1.0 for i in range(1000)]; y=[i%5*1.0 for i in range(1200)]; r=T(x,y,equal_var=False); print(r.statistic, r.pvalue, r.df, list(r.confidence_interval()))"
        let far = WelchTest(treatment: (0..<1000).map { Double($0 % 7) + 1 }, control: (0..<1200).map { Double($0 % 5) })
        assertClose(far.t, 26.52770436575057, relative: 1e-12)
        assertClose(far.pValue, 1.2243680297209223e-130, relative: 1e-9)
        assertClose(far.degreesOfFreedom, 1752.208178059553, relative: 1e-12)
        assertClose(far.ciLow, 1.849352335175759, relative: 1e-12)
        assertClose(far.ciHigh, 2.1446476648242405, relative: 1e-12)
        // 50k users, ~50k degrees of freedom.
        // python3 -c "from scipy.stats import ttest_ind as T; x=[i%7+0.05 for i in range(30000)]; y=[i%5+1.0 for i in range(20000)]; r=T(x,y,equal_var=False); print(r.statistic, r.pvalue, r.df, list(r.confidence_interval()))"
        let big = WelchTest(treatment: (0..<30000).map { Double($0 % 7) + 0.05 }, control: (0..<20000).map { Double($0 % 5) + 1 })
        assertClose(big.t, 3.2623302780398675, relative: 1e-10)
        assertClose(big.pValue, 0.0011057462435382097, relative: 1e-9)
        assertClose(big.degreesOfFreedom, 49828.2983898746, relative: 1e-10)
        assertClose(big.ciLow, 0.019893412232153563, relative: 1e-9)
        assertClose(big.ciHigh, 0.07977325443451146, relative: 1e-10)
        // Wilcoxon on 5000 heavily tied differences.
        // python3 -c "from scipy.stats import wilcoxon as W; d=[(i%11)-4.7 for i in range(5000)]; r=W(d,method='approx',correction=True); print(r.statistic, r.pvalue)"
        let wilcoxon = WilcoxonSignedRank(differences: (0..<5000).map { Double($0 % 11) - 4.7 })
        XCTAssertEqual(min(wilcoxon.wPlus, wilcoxon.wMinus), 5689775)
        assertClose(wilcoxon.pValue, 3.667276079676005e-08, relative: 1e-9)
    }

    func testFalsePositiveRatesUnderTheNull() {
        // 2000 A/A replicates with skewed (exponential) per-user values, n = 60 per arm: at alpha = 0.05 each
        // test rejects in 5% ± 1.5% of replicates (binomial SD 0.5%), and the mean CI covers the true mean.
        // With this seed: Welch 4.3%, paired t 4.65%, Wilcoxon 5.2%, ratio (delta method) 5.15%; coverage 94.45%.
        var generator = SplitMix64(seed: 20260101)
        func exponential() -> Double { -log(1 - Double(generator.next() >> 11) * 0x1.0p-53) }
        let replicates = 2000
        var welch = 0, pairedT = 0, wilcoxon = 0, covered = 0, ratio = 0
        for _ in 0..<replicates {
            let a = (0..<60).map { _ in exponential() }
            let b = (0..<60).map { _ in exponential() }
            if WelchTest(treatment: a, control: b).pValue < 0.05 { welch += 1 }
            if PairedTTest(a, b).pValue < 0.05 { pairedT += 1 }
            if WilcoxonSignedRank(a, b).pValue < 0.05 { wilcoxon += 1 }
            let summary = MeanSummary(a)
            if summary.ciLow <= 1 && 1 <= summary.ciHigh { covered += 1 }
            // Ratio metric: clicks ~ impressions × 0.1 with user-level noise.
            let impressionsA = a.map { ($0 * 10).rounded(.up) }, impressionsB = b.map { ($0 * 10).rounded(.up) }
            let clicksA = impressionsA.map { ($0 * 0.1 * 2 * exponential()).rounded(.down) }
            let clicksB = impressionsB.map { ($0 * 0.1 * 2 * exponential()).rounded(.down) }
            if RatioComparison(treatmentNumerators: clicksA, treatmentDenominators: impressionsA,
                               controlNumerators: clicksB, controlDenominators: impressionsB).pValue < 0.05 { ratio += 1 }
        }
        for (name, count) in [("welch", welch), ("paired t", pairedT), ("wilcoxon", wilcoxon), ("ratio", ratio)] {
            let rate = Double(count) / Double(replicates)
            XCTAssertGreaterThan(rate, 0.035, "\(name) false-positive rate \(rate)")
            XCTAssertLessThan(rate, 0.065, "\(name) false-positive rate \(rate)")
        }
        // Skewed data: the t interval under-covers a little at n = 60, so a slightly wider band.
        let coverage = Double(covered) / Double(replicates)
        XCTAssertGreaterThan(coverage, 0.92, "coverage \(coverage)")
        XCTAssertLessThan(coverage, 0.97, "coverage \(coverage)")
    }

    func testSRMFlagsRateUnderCorrectAssignment() {
        // Correct 50/50 assignment of 2000 users: at threshold 0.01, about 1% of 1000 replicates are flagged (8 here).
        var generator = SplitMix64(seed: 5)
        var flagged = 0
        for _ in 0..<1000 {
            var first = 0
            for _ in 0..<2000 where generator.next() >> 63 == 0 { first += 1 }
            if SampleRatioMismatch(observed: [first, 2000 - first], weights: [1, 1], threshold: 0.01).mismatch { flagged += 1 }
        }
        XCTAssertLessThan(flagged, 25)
        XCTAssertGreaterThan(flagged, 1)
    }
}
