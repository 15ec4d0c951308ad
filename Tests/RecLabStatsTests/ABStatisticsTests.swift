import RecLabStats
import XCTest

final class ABStatisticsTests: XCTestCase {
    let treatment = [3.1, 2.4, 5.6, 4.4, 3.8, 4.9, 2.2, 3.3]
    let control = [2.0, 2.9, 1.7, 3.3, 2.5, 2.1, 2.8, 3.0, 1.9, 2.2]

    func testWelchAgainstSciPy() {
        // python3 -c "from scipy.stats import ttest_ind as T; x=[3.1,2.4,5.6,4.4,3.8,4.9,2.2,3.3]; y=[2.0,2.9,1.7,3.3,2.5,2.1,2.8,3.0,1.9,2.2]; r=T(x,y,equal_var=False); print(r.statistic, r.pvalue, r.df, list(r.confidence_interval(0.95)))"
        let test = WelchTest(treatment: treatment, control: control)
        assertClose(test.t, 2.7924172234136884, relative: 1e-12)
        assertClose(test.pValue, 0.020420240303786762, relative: 1e-11)
        assertClose(test.degreesOfFreedom, 9.261068866130788, relative: 1e-12)
        assertClose(test.ciLow, 0.24605145334771517, relative: 1e-11)
        assertClose(test.ciHigh, 2.2989485466522854, relative: 1e-12)
        // python3 -c "from scipy.stats import ttest_ind as T; x=[3.1,2.4,5.6,4.4,3.8,4.9,2.2,3.3]; y=[2.0,2.9,1.7,3.3,2.5,2.1,2.8,3.0,1.9,2.2]; r=T(x,y,equal_var=False); print(r.confidence_interval(0.9))"
        let test90 = WelchTest(treatment: treatment, control: control, level: 0.9)
        assertClose(test90.ciLow, 0.4398264757903547, relative: 1e-11)
        assertClose(test90.ciHigh, 2.105173524209646, relative: 1e-12)
    }

    func testRelativeLiftDeltaMethod() {
        // Deng, Knoblich and Lu (2018) delta method for x̄_T / x̄_C, computed independently with NumPy:
        // python3 -c "import numpy as np; x=np.array([3.1,2.4,5.6,4.4,3.8,4.9,2.2,3.3]); y=np.array([2.0,2.9,1.7,3.3,2.5,2.1,2.8,3.0,1.9,2.2]); mt,mc=x.mean(),y.mean(); vt,vc=x.var(ddof=1)/len(x),y.var(ddof=1)/len(y); se=np.sqrt(vt/mc**2+mt**2*vc/mc**4); print(mt/mc-1, se, mt/mc-1-1.959963984540054*se, mt/mc-1+1.959963984540054*se)"
        let test = WelchTest(treatment: treatment, control: control)
        assertClose(test.relativeLift, 0.5215163934426232, relative: 1e-13)
        assertClose(test.relativeStandardError, 0.2031516890592692, relative: 1e-12)
        assertClose(test.relativeCiLow, 0.12334639948797588, relative: 1e-11)
        assertClose(test.relativeCiHigh, 0.9196863873972706, relative: 1e-12)
        // Control mean 0: no relative lift.
        XCTAssertTrue(WelchTest(treatment: [1, 2, 3], control: [-1, 0, 1]).relativeLift.isNaN)
    }

    func testWelchEdgeCases() {
        // n = 2 per arm.
        // python3 -c "from scipy.stats import ttest_ind as T; r=T([1.0,2.0],[3.0,5.0],equal_var=False); print(r.statistic, r.pvalue, r.df, r.confidence_interval())"
        let small = WelchTest(treatment: [1, 2], control: [3, 5])
        assertClose(small.t, -2.23606797749979, relative: 1e-13)
        assertClose(small.pValue, 0.19872738893452602, relative: 1e-11)
        assertClose(small.degreesOfFreedom, 1.4705882352941178, relative: 1e-13)
        assertClose(small.ciLow, -9.418522830071064, relative: 1e-10)
        assertClose(small.ciHigh, 4.418522830071064, relative: 1e-10)
        // One user in an arm: undefined.
        XCTAssertTrue(WelchTest(treatment: [1], control: [3, 5]).pValue.isNaN)
        // Zero variance in both arms.
        let flatSame = WelchTest(treatment: [2, 2, 2], control: [2, 2])
        XCTAssertEqual(flatSame.pValue, 1)
        let flatDifferent = WelchTest(treatment: [3, 3, 3], control: [2, 2])
        XCTAssertEqual(flatDifferent.pValue, 0)
        XCTAssertEqual(flatDifferent.ciLow, 1)
        XCTAssertEqual(flatDifferent.relativeLift, 0.5)
        // Zero variance in one arm only: df = n - 1 of the other arm.
        let oneFlat = WelchTest(treatment: [1, 2, 3, 4], control: [2, 2, 2])
        assertClose(oneFlat.degreesOfFreedom, 3, relative: 1e-14)
        // From summaries (streaming accumulators in the simulator) equals from raw values.
        let fromSummaries = WelchTest(treatment: RunningMoments(treatment).summary(), control: RunningMoments(control).summary())
        assertClose(fromSummaries.pValue, WelchTest(treatment: treatment, control: control).pValue, relative: 1e-12)
    }

    func testSampleRatioMismatch() {
        // Balanced counts under 50/50 are fine.
        // python3 -c "from scipy.stats import chisquare as C; print(C([5000,5050],[5025,5025]).pvalue)"
        let balanced = SampleRatioMismatch(observed: [5000, 5050], weights: [0.5, 0.5])
        assertClose(balanced.pValue, 0.6179522266795625, relative: 1e-12)
        XCTAssertFalse(balanced.mismatch)
        // Skewed: 5000 vs 5400 under 50/50.
        // python3 -c "from scipy.stats import chisquare as C; r=C([5000,5400],[5200,5200]); print(r.statistic, r.pvalue)"
        let skewed = SampleRatioMismatch(observed: [5000, 5400], weights: [1, 1])
        assertClose(skewed.chiSquare, 15.384615384615385, relative: 1e-13)
        assertClose(skewed.pValue, 8.769942375590228e-05, relative: 1e-11)
        XCTAssertTrue(skewed.mismatch)
        XCTAssertEqual(skewed.degreesOfFreedom, 1)
        // Unequal weights, three arms; weights need not sum to 1.
        // python3 -c "from scipy.stats import chisquare as C; print(C([1000,2050,1000],[1012.5,2025,1012.5]))"
        let three = SampleRatioMismatch(observed: [1000, 2050, 1000], weights: [25, 50, 25])
        assertClose(three.chiSquare, 0.6172839506172839, relative: 1e-13)
        assertClose(three.pValue, 0.7344436719297313, relative: 1e-12)
        assertClose(three.expected[1], 2025, relative: 1e-15)
        // python3 -c "from scipy.stats import chisquare as C; r=C([4000,4100,1900],[4000,4000,2000]); print(r.statistic, r.pvalue)"
        let moderate = SampleRatioMismatch(observed: [4000, 4100, 1900], weights: [0.4, 0.4, 0.2])
        assertClose(moderate.pValue, 0.023517745856009114, relative: 1e-12)
        XCTAssertFalse(moderate.mismatch, "p = 0.024 is above the default 0.001 threshold")
        XCTAssertTrue(SampleRatioMismatch(observed: [4000, 4100, 1900], weights: [0.4, 0.4, 0.2], threshold: 0.05).mismatch)
        // Everything in one arm: p underflows to 0, flagged.
        let broken = SampleRatioMismatch(observed: [0, 0, 1000], weights: [1, 1, 1])
        assertClose(broken.chiSquare, 2000, relative: 1e-13)
        XCTAssertEqual(broken.pValue, 0)
        XCTAssertTrue(broken.mismatch)
        // Users in a zero-weight arm (e.g. a disabled holdout) are a mismatch; an empty zero-weight arm is ignored.
        XCTAssertTrue(SampleRatioMismatch(observed: [500, 500, 3], weights: [1, 1, 0]).mismatch)
        let ignored = SampleRatioMismatch(observed: [500, 500, 0], weights: [1, 1, 0])
        XCTAssertEqual(ignored.degreesOfFreedom, 1)
        XCTAssertEqual(ignored.pValue, 1)
        // No users yet.
        XCTAssertFalse(SampleRatioMismatch(observed: [0, 0], weights: [1, 1]).mismatch)
    }
    func testRatioMetricDeltaMethod() {
        // Per-user clicks and impressions; CTR = Σ clicks / Σ impressions with the delta-method variance of
        // Deng, Knoblich and Lu (2018), computed independently with NumPy/SciPy:
        // python3 -c "import numpy as np; from scipy.stats import norm; xt=np.array([3,0,5,2,1,4,0,2.]); yt=np.array([20,4,31,15,9,25,0,12.]); xc=np.array([1,2,0,3,1,0,2.]); yc=np.array([18,22,6,30,14,3,19.]); r=lambda x,y: (x.mean()/y.mean(), (x.var(ddof=1)-2*(x.mean()/y.mean())*np.cov(x,y)[0,1]+(x.mean()/y.mean())**2*y.var(ddof=1))/(len(x)*y.mean()**2)); (Rt,vt),(Rc,vc)=r(xt,yt),r(xc,yc); se=np.sqrt(vt+vc); print(Rt,np.sqrt(vt),Rc,np.sqrt(vc),Rt-Rc,se,2*norm.sf(abs((Rt-Rc)/se)),Rt/Rc-1,np.sqrt(vt/Rc**2+Rt**2*vc/Rc**4))"
        let clicksT = [3.0, 0, 5, 2, 1, 4, 0, 2], impressionsT = [20.0, 4, 31, 15, 9, 25, 0, 12]
        let clicksC = [1.0, 2, 0, 3, 1, 0, 2], impressionsC = [18.0, 22, 6, 30, 14, 3, 19]
        let comparison = RatioComparison(treatmentNumerators: clicksT, treatmentDenominators: impressionsT,
                                         controlNumerators: clicksC, controlDenominators: impressionsC)
        assertClose(comparison.treatment.ratio, 0.14655172413793102, relative: 1e-14)
        assertClose(comparison.treatment.standardError, 0.008593556287093624, relative: 1e-12)
        assertClose(comparison.control.ratio, 0.08035714285714286, relative: 1e-14)
        assertClose(comparison.control.standardError, 0.010254301675846518, relative: 1e-12)
        assertClose(comparison.difference, 0.06619458128078816, relative: 1e-13)
        assertClose(comparison.standardError, 0.013379084890930136, relative: 1e-12)
        assertClose(comparison.pValue, 7.512773668744703e-07, relative: 1e-9)
        assertClose(comparison.relativeLift, 0.8237547892720303, relative: 1e-13)
        assertClose(comparison.relativeStandardError, 0.2561225756064458, relative: 1e-12)
        assertClose(comparison.ciLow, comparison.difference - 1.959963984540054 * comparison.standardError, relative: 1e-12)
        // The user with 0 impressions still counts as a randomized user.
        XCTAssertEqual(comparison.treatment.n, 8)
        // A/A: identical arms, no difference, p = 1.
        let same = RatioComparison(treatmentNumerators: clicksC, treatmentDenominators: impressionsC,
                                   controlNumerators: clicksC, controlDenominators: impressionsC)
        XCTAssertEqual(same.difference, 0)
        XCTAssertEqual(same.pValue, 1)
        // Degenerate: no impressions at all, or one user.
        XCTAssertTrue(RatioMetric(numerators: [0, 0], denominators: [0, 0]).ratio.isNaN)
        XCTAssertTrue(RatioMetric(numerators: [1], denominators: [4]).standardError.isNaN)
        XCTAssertEqual(RatioMetric(numerators: [1], denominators: [4]).ratio, 0.25)
    }
}
