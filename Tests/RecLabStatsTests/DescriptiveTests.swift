import RecLabStats
import XCTest

final class DescriptiveTests: XCTestCase {
    let sample = [2.5, 3.1, 2.8, 3.9, 3.3, 2.2, 3.0]

    func testMeanVarianceStandardError() {
        // python3 -c "import numpy as np; x=np.array([2.5,3.1,2.8,3.9,3.3,2.2,3.0]); print(x.mean(), x.var(ddof=1), x.std(ddof=1)/np.sqrt(7))"
        assertClose(Descriptive.mean(sample), 2.971428571428571, relative: 1e-15)
        assertClose(Descriptive.variance(sample), 0.3057142857142856, relative: 1e-14)
        assertClose(Descriptive.standardError(sample), 0.20898198340468274, relative: 1e-13)
        // Large offset: the two-pass algorithm keeps the variance (naive Σx² - n x̄² would return garbage).
        let shifted = sample.map { $0 + 1e9 }
        assertClose(Descriptive.variance(shifted), 0.3057142857142856, relative: 1e-6)
        XCTAssertTrue(Descriptive.mean([]).isNaN)
        XCTAssertTrue(Descriptive.variance([4]).isNaN)
        XCTAssertEqual(Descriptive.variance([4, 4, 4]), 0)
    }

    func testCovarianceCorrelationQuantile() {
        let x = [1.0, 2, 3, 4, 5], y = [2.0, 1, 4, 3, 7]
        // python3 -c "import numpy as np; x=[1,2,3,4,5]; y=[2,1,4,3,7]; print(np.cov(x,y)[0,1], np.corrcoef(x,y)[0,1], np.quantile(y,[0,0.1,0.5,0.9,1]).tolist())"
        assertClose(Descriptive.covariance(x, y), 3.0, relative: 1e-14)
        assertClose(Descriptive.correlation(x, y), 0.8241633836921342, relative: 1e-13)
        let expected = [1.0, 1.4, 3.0, 5.800000000000001, 7.0]
        for (p, e) in zip([0, 0.1, 0.5, 0.9, 1], expected) { assertClose(Descriptive.quantile(y, p), e, relative: 1e-14) }
        XCTAssertTrue(Descriptive.correlation(x, [3, 3, 3, 3, 3]).isNaN)
    }

    func testMeanConfidenceInterval() {
        // python3 -c "from scipy.stats import ttest_1samp as T; x=[2.5,3.1,2.8,3.9,3.3,2.2,3.0]; r=T(x,0); print(r.confidence_interval(0.95), r.confidence_interval(0.99))"
        let s95 = MeanSummary(sample)
        assertClose(s95.ciLow, 2.4600680795598695, relative: 1e-12)
        assertClose(s95.ciHigh, 3.4827890632972727, relative: 1e-12)
        XCTAssertEqual(s95.n, 7)
        let s99 = MeanSummary(sample, level: 0.99)
        assertClose(s99.ciLow, 2.196642910202015, relative: 1e-12)
        assertClose(s99.ciHigh, 3.7462142326551273, relative: 1e-12)
    }

    func testMeanSummaryEdgeCases() {
        let empty = MeanSummary([])
        XCTAssertTrue(empty.mean.isNaN && empty.ciLow.isNaN && empty.ciHigh.isNaN)
        let one = MeanSummary([0.7])
        XCTAssertEqual(one.mean, 0.7)
        XCTAssertTrue(one.ciLow.isNaN && one.ciHigh.isNaN && one.variance.isNaN)
        // n = 2: t quantile with 1 df (12.706...).
        // python3 -c "from scipy.stats import ttest_1samp as T; print(T([1.0,2.0],0).confidence_interval(0.95))"
        let two = MeanSummary([1.0, 2.0])
        assertClose(two.ciLow, -4.853102368087347, relative: 1e-12)
        assertClose(two.ciHigh, 7.853102368087347, relative: 1e-12)
        let constant = MeanSummary([0.25, 0.25, 0.25])
        XCTAssertEqual(constant.ciLow, 0.25)
        XCTAssertEqual(constant.ciHigh, 0.25)
    }

    func testRunningMomentsMatchesBatchAndMerges() {
        var left = RunningMoments(sample[0..<3])
        let right = RunningMoments(sample[3...])
        left.merge(right)
        XCTAssertEqual(left.count, 7)
        assertClose(left.mean, Descriptive.mean(sample), relative: 1e-15)
        assertClose(left.variance, Descriptive.variance(sample), relative: 1e-13)
        let summary = left.summary()
        assertClose(summary.ciLow, MeanSummary(sample).ciLow, relative: 1e-12)
        var empty = RunningMoments()
        empty.merge(RunningMoments())
        XCTAssertEqual(empty.count, 0)
        XCTAssertTrue(empty.variance.isNaN)
    }

    func testBootstrapIsSeededAndSensible() {
        var generator = SplitMix64(seed: 11)
        let values = (0..<400).map { _ in Double(generator.nextInt(1000)) / 100 }
        let a = BootstrapInterval(values, resamples: 1000, seed: 42)
        let b = BootstrapInterval(values, resamples: 1000, seed: 42)
        let c = BootstrapInterval(values, resamples: 1000, seed: 43)
        XCTAssertEqual(a, b, "same seed, same interval")
        XCTAssertNotEqual(a.ciLow, c.ciLow, "another seed, other replicates")
        XCTAssertEqual(a.estimate, Descriptive.mean(values))
        XCTAssertLessThan(a.ciLow, a.estimate)
        XCTAssertGreaterThan(a.ciHigh, a.estimate)
        // For a mean of 400 values the percentile interval is close to the t interval (CLT), and the bootstrap SE
        // to s/√n.
        let t = MeanSummary(values)
        assertClose(a.ciLow, t.ciLow, relative: 0.02)
        assertClose(a.ciHigh, t.ciHigh, relative: 0.02)
        assertClose(a.standardError, t.standardError, relative: 0.1)
        // Any statistic: the median of a constant sample has a zero-width interval.
        let median = BootstrapInterval([3, 3, 3, 3], resamples: 50, seed: 1) { Descriptive.quantile($0, 0.5) }
        XCTAssertEqual(median.ciLow, 3)
        XCTAssertEqual(median.ciHigh, 3)
        XCTAssertTrue(BootstrapInterval([], seed: 1).ciLow.isNaN)
    }

    func testSplitMixKnownOutput() {
        // First outputs of SplitMix64 seeded with 0, as in Vigna's splitmix64.c; checked with
        // python3 -c "M=(1<<64)-1; s=(0x9E3779B97F4A7C15)&M; z=((s^(s>>30))*0xBF58476D1CE4E5B9)&M; z=((z^(z>>27))*0x94D049BB133111EB)&M; print(hex(z^(z>>31)))" (and the same for the second step)
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
    }
}
