import RecLabStats
import XCTest

final class PowerTests: XCTestCase {
    func testMinimumDetectableEffectAndUsersNeeded() {
        // python3 -c "from scipy.stats import norm; z=norm.ppf(0.975)+norm.ppf(0.8); print(z*(4.0/1000+6.0/1200)**0.5, z*z*(2*2.25)/(0.02*3.0)**2, norm.cdf(z-norm.ppf(0.975))+norm.cdf(-z-norm.ppf(0.975)))"
        let mde = Power.minimumDetectableEffect(treatmentVariance: 4, controlVariance: 6, treatmentCount: 1000, controlCount: 1200)
        assertClose(mde, 0.2657817104488979, relative: 1e-13)
        // Baseline 3.0, σ² = 2.25 in both arms, 2% relative effect: 9811.0997 → 9812 users per arm.
        XCTAssertEqual(Power.usersPerArm(baselineMean: 3, variance: 2.25, relativeEffect: 0.02), 9812)
        // van Belle's rule of thumb n ≈ 16σ²/Δ² (Kohavi et al. 2020 ch. 17) is within 2% of the exact z formula.
        let ruleOfThumb = 16 * 2.25 / (0.06 * 0.06)
        XCTAssertEqual(Double(Power.usersPerArm(baselineMean: 3, variance: 2.25, relativeEffect: 0.02)!), ruleOfThumb, accuracy: 0.02 * ruleOfThumb)
        // At the MDE the power is the requested 0.8 (plus the negligible far tail, 9.6e-7 here).
        let standardError = (4.0 / 1000 + 6.0 / 1200).squareRoot()
        assertClose(Power.achievedPower(effect: mde, standardError: standardError), 0.8000009605622266, relative: 1e-12)
        // A larger sample detects smaller effects; higher power needs more users.
        XCTAssertLessThan(Power.minimumDetectableEffect(treatmentVariance: 4, controlVariance: 6, treatmentCount: 4000, controlCount: 4800), mde / 1.9)
        XCTAssertGreaterThan(Power.usersPerArm(baselineMean: 3, variance: 2.25, relativeEffect: 0.02, power: 0.9)!, 9812)
        // Undefined inputs.
        XCTAssertNil(Power.usersPerArm(baselineMean: 0, variance: 2.25, relativeEffect: 0.02))
        XCTAssertNil(Power.usersPerArm(baselineMean: 3, variance: .nan, relativeEffect: 0.02))
        XCTAssertEqual(Power.usersPerArm(baselineMean: 3, variance: 0, relativeEffect: 0.02), 2)
        XCTAssertTrue(Power.minimumDetectableEffect(treatmentVariance: 1, controlVariance: 1, treatmentCount: 0, controlCount: 5).isNaN)
    }

    func testPowerAnalysisFromSummaries() {
        let control = MeanSummary(mean: 3, variance: 2.25, n: 5000)
        let treatment = MeanSummary(mean: 3.1, variance: 2.25, n: 5000)
        let analysis = PowerAnalysis(treatment: treatment, control: control, targetRelativeMde: 0.02)
        assertClose(analysis.mde, Power.minimumDetectableEffect(treatmentVariance: 2.25, controlVariance: 2.25, treatmentCount: 5000, controlCount: 5000), relative: 1e-15)
        assertClose(analysis.relativeMde, analysis.mde / 3, relative: 1e-15)
        XCTAssertEqual(analysis.usersNeededPerArm, 9812)
    }
}

final class CUPEDTests: XCTestCase {
    func testAgainstNumPy() {
        // python3 -c "import numpy as np; y=np.array([5,7,6,9,4,6,8,7,10,6,8.]); x=np.array([4,6,6,8,3,4,5,6,8,5,6.]); th=np.cov(y,x)[0,1]/x.var(ddof=1); ya=y-th*(x-x.mean()); print(th, x.mean(), 1-ya.var(ddof=1)/y.var(ddof=1), np.corrcoef(x,y)[0,1]**2, ya[:5].tolist(), ya[5:].mean()-ya[:5].mean())"
        let cuped = CUPED(outcomes: [[5, 7, 6, 9, 4], [6, 8, 7, 10, 6, 8]], covariates: [[4, 6, 6, 8, 3], [4, 5, 6, 8, 5, 6]])
        assertClose(cuped.theta, 0.9926470588235294, relative: 1e-13)
        assertClose(cuped.covariateMean, 5.545454545454546, relative: 1e-14)
        assertClose(cuped.varianceReduction, 0.7882785467128028, relative: 1e-12)
        let expectedArm0 = [6.53409090909091, 6.54879679144385, 5.54879679144385, 6.563502673796792, 6.526737967914439]
        for (a, e) in zip(cuped.adjusted[0], expectedArm0) { assertClose(a, e, relative: 1e-13) }
        assertClose(Descriptive.mean(cuped.adjusted[1]) - Descriptive.mean(cuped.adjusted[0]), 1.0352941176470578, relative: 1e-12)
        XCTAssertEqual(cuped.adjusted[1].count, 6)
    }

    func testPerfectlyCorrelatedCovariateRemovesAllVariance() {
        let x0 = [1.0, 4, 2, 8, 5], x1 = [3.0, 3, 9, 0.5]
        // Y = 2X + 1 in control, Y = 2X + 1.5 in treatment: the covariate explains all within-arm variance.
        let cuped = CUPED(outcomes: [x0.map { 2 * $0 + 1 }, x1.map { 2 * $0 + 1.5 }], covariates: [x0, x1])
        XCTAssertEqual(cuped.theta, 2, accuracy: 0.02)
        XCTAssertGreaterThan(cuped.varianceReduction, 0.99)
        // Pure Y = 2X: exactly 1.
        let exact = CUPED(outcomes: [x0.map { 2 * $0 }], covariates: [x0])
        assertClose(exact.theta, 2, relative: 1e-14)
        XCTAssertEqual(exact.varianceReduction, 1, accuracy: 1e-12)
        XCTAssertEqual(Descriptive.variance(exact.adjusted[0]), 0, accuracy: 1e-12)
    }

    func testIndependentCovariateChangesNothing() {
        var generator = SplitMix64(seed: 2024)
        func noise() -> Double { Double(generator.nextInt(1 << 30)) / Double(1 << 30) }
        let n = 5000
        let y = [(0..<n).map { _ in noise() }, (0..<n).map { _ in noise() + 0.01 }]
        let x = [(0..<n).map { _ in noise() }, (0..<n).map { _ in noise() }]
        let cuped = CUPED(outcomes: y, covariates: x)
        // Expected ρ² for independent data is about 1/(2n) = 1e-4.
        XCTAssertLessThan(abs(cuped.varianceReduction), 0.002)
        XCTAssertLessThan(abs(cuped.theta), 0.05)
        // The lift estimate is unchanged up to noise.
        let raw = WelchTest(treatment: y[1], control: y[0])
        let adjusted = WelchTest(treatment: cuped.adjusted[1], control: cuped.adjusted[0])
        XCTAssertEqual(adjusted.difference, raw.difference, accuracy: 0.002)
    }

    func testCUPEDNarrowsTheInterval() {
        // Pre-period behaviour strongly predicts the experiment metric: the CI shrinks by about √(1 - ρ²).
        var generator = SplitMix64(seed: 99)
        func noise() -> Double { Double(generator.nextInt(1 << 30)) / Double(1 << 30) - 0.5 }
        let n = 2000
        let x = [(0..<n).map { _ in 10 * noise() }, (0..<n).map { _ in 10 * noise() }]
        let y = [x[0].map { $0 + noise() }, x[1].map { $0 + noise() + 0.1 }]
        let cuped = CUPED(outcomes: y, covariates: x)
        XCTAssertGreaterThan(cuped.varianceReduction, 0.95)
        let raw = WelchTest(treatment: y[1], control: y[0])
        let adjusted = WelchTest(treatment: cuped.adjusted[1], control: cuped.adjusted[0])
        XCTAssertLessThan(adjusted.ciHigh - adjusted.ciLow, 0.3 * (raw.ciHigh - raw.ciLow))
        XCTAssertLessThan(adjusted.pValue, raw.pValue)
    }

    func testConstantCovariate() {
        let cuped = CUPED(outcomes: [[1, 2, 3], [2, 3, 4]], covariates: [[5, 5, 5], [5, 5, 5]])
        XCTAssertEqual(cuped.theta, 0)
        XCTAssertEqual(cuped.varianceReduction, 0, accuracy: 1e-15)
        XCTAssertEqual(cuped.adjusted, [[1, 2, 3], [2, 3, 4]])
    }
}

final class InequalityTests: XCTestCase {
    func testGiniAgainstNumPy() {
        // python3 -c "import numpy as np; x=np.sort(np.array([5,0,12,3,3,40,1,0,7.])); n=len(x); i=np.arange(1,n+1); print(((2*i-n-1)*x).sum()/(n*x.sum()), np.concatenate([[0],np.cumsum(x)/x.sum()]).tolist())"
        let counts = [5, 0, 12, 3, 3, 40, 1, 0, 7]
        assertClose(Inequality.gini(counts), 0.6572769953051644, relative: 1e-14)
        assertClose(Inequality.gini(counts, corrected: true), 0.6572769953051644 * 9 / 8, relative: 1e-14)
        let lorenz = Inequality.lorenzCurve(counts)
        let expected = [0.0, 0.0, 0.0, 0.014084507042253521, 0.056338028169014086, 0.09859154929577464, 0.16901408450704225,
                        0.2676056338028169, 0.43661971830985913, 1.0]
        XCTAssertEqual(lorenz.count, 10)
        for (k, (point, e)) in zip(lorenz, expected).enumerated() {
            assertClose(point.exposureShare, e, relative: 1e-14, absolute: 1e-16)
            assertClose(point.populationShare, Double(k) / 9, relative: 1e-15, absolute: 1e-16)
        }
        // G = 1 - 2 × trapezoid area under the Lorenz curve.
        var area = 0.0
        for k in 1..<lorenz.count { area += (lorenz[k].exposureShare + lorenz[k - 1].exposureShare) / 2 / 9 }
        assertClose(Inequality.gini(counts), 1 - 2 * area, relative: 1e-13)
    }

    func testGiniExtremes() {
        XCTAssertEqual(Inequality.gini([7, 7, 7, 7]), 0)
        assertClose(Inequality.gini([0, 0, 0, 10]), 0.75, relative: 1e-15)           // (n - 1) / n
        assertClose(Inequality.gini([0, 0, 0, 10], corrected: true), 1, relative: 1e-15)
        XCTAssertEqual(Inequality.gini([Int]()), 0)
        XCTAssertEqual(Inequality.gini([0, 0, 0]), 0)
        XCTAssertEqual(Inequality.gini([5], corrected: true), 0)
        // Scale invariant, order invariant.
        assertClose(Inequality.gini([1.0, 2, 3, 10]), Inequality.gini([30.0, 10, 20, 100]), relative: 1e-14)
    }

    func testLorenzDownsampling() {
        let counts = (0..<1000).map { $0 % 17 }
        let curve = Inequality.lorenzCurve(counts, maxPoints: 11)
        XCTAssertEqual(curve.count, 11)
        XCTAssertEqual(curve.first, Inequality.LorenzPoint(populationShare: 0, exposureShare: 0))
        XCTAssertEqual(curve.last?.populationShare, 1)
        assertClose(curve.last!.exposureShare, 1, relative: 1e-15)
        let full = Inequality.lorenzCurve(counts)
        XCTAssertEqual(curve[5], full[500])
        for k in 1..<curve.count { XCTAssertGreaterThanOrEqual(curve[k].exposureShare, curve[k - 1].exposureShare) }
        // All zero: the diagonal.
        XCTAssertEqual(Inequality.lorenzCurve([0, 0]).map(\.exposureShare), [0, 0.5, 1])
    }
}
