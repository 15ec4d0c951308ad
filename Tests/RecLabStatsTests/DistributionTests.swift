import RecLabStats
import XCTest

// Reference values: SciPy 1.17.1 (scipy.stats / scipy.special), each table produced by the one-liner beside it.
final class DistributionTests: XCTestCase {
    func testNormalCDF() {
        let xs = [-37.5, -10, -5, -1.96, -1, 0, 0.5, 1.5, 3, 8.5]
        // python3 -c "from scipy.stats import norm; print(norm.cdf([-37.5, -10, -5, -1.96, -1, 0, 0.5, 1.5, 3, 8.5]).tolist())"
        let expected = [4.605353009581954e-308, 7.61985302416047e-24, 2.866515718791933e-07, 0.024997895148220435,
                        0.15865525393145707, 0.5, 0.6914624612740131, 0.9331927987311419, 0.9986501019683699, 1.0]
        // Φ(-37.5) is near the smallest normal double; the C library erfc keeps it to ~1e-13.
        for (x, e) in zip(xs, expected) { assertClose(Normal.cdf(x), e, relative: x < -30 ? 1e-12 : 1e-13, "Φ(\(x))") }
        assertClose(Normal.survival(10), 7.61985302416047e-24, relative: 1e-13)
        XCTAssertEqual(Normal.twoSidedPValue(0), 1)
        XCTAssertEqual(Normal.cdf(-.infinity), 0)
        XCTAssertEqual(Normal.cdf(.infinity), 1)
        XCTAssertTrue(Normal.cdf(.nan).isNaN)
    }

    func testNormalQuantile() {
        let ps = [1e-300, 1e-20, 1e-10, 0.001, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-12]
        // python3 -c "from scipy.stats import norm; print(norm.ppf([1e-300, 1e-20, 1e-10, 0.001, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-12]).tolist())"
        let expected = [-37.0470962993612, -9.262340089798409, -6.361340902404056, -3.090232306167813, -1.972961051311885,
                        -1.9599639845400545, -1.2815515655446004, -0.5244005127080409, 0.0, 0.5244005127080407,
                        1.959963984540054, 3.090232306167813, 7.0344869100478356]
        for (p, e) in zip(ps, expected) { assertClose(Normal.quantile(p), e, relative: 1e-13, absolute: 1e-15, "Φ⁻¹(\(p))") }
        // Subnormal p, where the Halley step's exp(x²/2) would overflow: the rational approximation alone.
        // python3 -c "from scipy.stats import norm; print(norm.ppf([1e-310, 5e-324]).tolist())"
        assertClose(Normal.quantile(1e-310), -37.663060331949524, relative: 1e-8)
        assertClose(Normal.quantile(5e-324), -38.467405617144344, relative: 1e-8)
        XCTAssertEqual(Normal.quantile(0), -.infinity)
        XCTAssertEqual(Normal.quantile(1), .infinity)
        XCTAssertTrue(Normal.quantile(1.5).isNaN)
        // Round trip over a grid.
        for i in 1..<200 {
            let p = Double(i) / 200
            assertClose(Normal.cdf(Normal.quantile(p)), p, relative: 1e-14)
        }
    }

    func testStudentTCDF() {
        let cases: [(Double, Double)] = [(-40, 3), (-5, 1), (-2.5, 2), (-1, 5), (0.3, 7.5), (1.7, 10), (2.2, 30), (3, 1000), (-4, 2e5), (10, 4)]
        // python3 -c "from scipy.stats import t; print(t.cdf([-40, -5, -2.5, -1, 0.3, 1.7, 2.2, 3, -4, 10], [3, 1, 2, 5, 7.5, 10, 30, 1000, 2e5, 4]).tolist())"
        let expected = [1.7190340394579253e-05, 0.0628329581890012, 0.06480586011075541, 0.18160873382456144, 0.6138386707156109,
                        0.9400153270454898, 0.9821757800015821, 0.9986166454778809, 3.168261885401707e-05, 0.999718998188642]
        for ((t, df), e) in zip(cases, expected) { assertClose(StudentT.cdf(t, df: df), e, relative: 1e-12, "T(\(t); \(df))") }
        // Upper tails keep relative accuracy (no 1 - F cancellation).
        // python3 -c "from scipy.stats import t; print(t.sf([40, 10, 8], [3, 4, 50]).tolist())"
        let sfExpected = [1.7190340394579253e-05, 0.0002810018113579955, 8.316483014160684e-11]
        for ((t, df), e) in zip([(40.0, 3.0), (10, 4), (8, 50)], sfExpected) {
            assertClose(StudentT.survival(t, df: df), e, relative: 1e-11, "sf(\(t); \(df))")
        }
        XCTAssertEqual(StudentT.cdf(0, df: 7), 0.5)
        XCTAssertEqual(StudentT.twoSidedPValue(0, df: 3), 1)
        assertClose(StudentT.cdf(1.3, df: .infinity), Normal.cdf(1.3))
        XCTAssertTrue(StudentT.cdf(1, df: 0).isNaN)
    }

    func testStudentTQuantile() {
        let cases: [(Double, Double)] = [(0.975, 1), (0.975, 2), (0.975, 3), (0.975, 4.5), (0.995, 9), (0.95, 29), (0.025, 120),
                                         (1e-10, 3), (1e-6, 12.3), (0.6, 5), (0.975, 1e6), (0.51, 2.5)]
        // python3 -c "from scipy.stats import t; print(t.ppf([0.975, 0.975, 0.975, 0.975, 0.995, 0.95, 0.025, 1e-10, 1e-6, 0.6, 0.975, 0.51], [1, 2, 3, 4.5, 9, 29, 120, 3, 12.3, 5, 1e6, 2.5]).tolist())"
        let expected = [12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.6589123472044034, 3.249835541592126,
                        1.6991270265334972, -1.9799304050824411, -2225.769284683093, -8.36713816961198, 0.2671808657041451,
                        1.959966356814107, 0.02764384133184011]
        for ((p, df), e) in zip(cases, expected) { assertClose(StudentT.quantile(p, df: df), e, relative: 1e-11, "t⁻¹(\(p); \(df))") }
        XCTAssertEqual(StudentT.quantile(0.5, df: 4), 0)
        XCTAssertEqual(StudentT.quantile(1, df: 4), .infinity)
        // Round trip, fractional df as Welch produces.
        for df in [1.5, 3.7, 17.2, 250.0] {
            for p in [0.001, 0.05, 0.3, 0.77, 0.999] {
                assertClose(StudentT.cdf(StudentT.quantile(p, df: df), df: df), p, relative: 1e-12)
            }
        }
    }

    func testChiSquare() {
        // python3 -c "from scipy.stats import chi2; print(chi2.cdf([0.5, 3.84, 5, 10, 30, 0.01], [1, 1, 2, 5, 30, 4]).tolist())"
        let cdfExpected = [0.5204998778130466, 0.9499564787512949, 0.9179150013761012, 0.9247647538534878, 0.5343462910559904, 1.2458411354275082e-05]
        for ((x, k), e) in zip([(0.5, 1.0), (3.84, 1), (5, 2), (10, 5), (30, 30), (0.01, 4)], cdfExpected) {
            assertClose(ChiSquare.cdf(x, df: k), e, relative: 1e-12, "χ² cdf(\(x); \(k))")
        }
        // python3 -c "from scipy.stats import chi2; print(chi2.sf([3.84, 50, 200, 1000, 120, 0.1], [1, 2, 3, 10, 100, 10]).tolist())"
        let sfExpected = [0.05004352124870519, 1.3887943864964e-11, 4.218541107192018e-43, 1.870290720915977e-208, 0.08440668109369177, 0.9999999975020487]
        for ((x, k), e) in zip([(3.84, 1.0), (50, 2), (200, 3), (1000, 10), (120, 100), (0.1, 10)], sfExpected) {
            assertClose(ChiSquare.survival(x, df: k), e, relative: 1e-11, "χ² sf(\(x); \(k))")
        }
        XCTAssertEqual(ChiSquare.survival(0, df: 3), 1)
        XCTAssertEqual(ChiSquare.cdf(-1, df: 3), 0)
    }

    func testSpecialFunctions() {
        let xs = [1e-8, 0.1, 0.5, 1, 1.5, 2, 3.7, 10, 100.5, 1e6]
        // python3 -c "from scipy.special import gammaln; print(gammaln([1e-8, 0.1, 0.5, 1, 1.5, 2, 3.7, 10, 100.5, 1e6]).tolist())"
        let lg = [18.42068073818021, 2.252712651734206, 0.5723649429247, 0.0, -0.12078223763524526, 0.0, 1.428072326665388,
                  12.801827480081469, 361.43554046777757, 12815504.569147611]
        for (x, e) in zip(xs, lg) { assertClose(SpecialFunctions.logGamma(x), e, relative: 1e-13, absolute: 1e-14, "lnΓ(\(x))") }
        XCTAssertTrue(SpecialFunctions.logGamma(-1).isNaN)

        // python3 -c "from scipy.special import betainc; print(betainc([0.5, 2, 10, 50, 1, 0.5], [0.5, 3, 0.5, 60, 1, 5e4], [0.3, 0.4, 0.99, 0.45, 0.77, 1e-5]).tolist())"
        let ib = [0.36901011956554536, 0.5247999999999999, 0.6579281751567845, 0.4642352914306031, 0.77, 0.6826894921431351]
        let abx: [(Double, Double, Double)] = [(0.5, 0.5, 0.3), (2, 3, 0.4), (10, 0.5, 0.99), (50, 60, 0.45), (1, 1, 0.77), (0.5, 5e4, 1e-5)]
        for ((a, b, x), e) in zip(abx, ib) {
            assertClose(SpecialFunctions.regularizedIncompleteBeta(a: a, b: b, x: x), e, relative: 1e-12, "I(\(a),\(b),\(x))")
        }
        // python3 -c "from scipy.special import gammainc; print(gammainc([0.5, 3, 10, 100], [0.2, 2, 15, 90]).tolist())"
        let gp = [0.47291074313446196, 0.32332358381693654, 0.9301463393005901, 0.15822098918643007]
        for ((a, x), e) in zip([(0.5, 0.2), (3.0, 2), (10, 15), (100, 90)], gp) {
            assertClose(SpecialFunctions.regularizedGammaP(a: a, x: x), e, relative: 1e-12, "P(\(a),\(x))")
        }
        // python3 -c "from scipy.special import gammaincc; print(gammaincc([0.5, 3, 10, 100, 2], [0.2, 2, 15, 90, 60]).tolist())"
        let gq = [0.5270892568655381, 0.6766764161830634, 0.06985366069940986, 0.84177901081357, 5.341471565244885e-25]
        for ((a, x), e) in zip([(0.5, 0.2), (3.0, 2), (10, 15), (100, 90), (2, 60)], gq) {
            assertClose(SpecialFunctions.regularizedGammaQ(a: a, x: x), e, relative: 1e-12, "Q(\(a),\(x))")
        }
    }
    func testStudentTExtremes() {
        // SciPy's stdtr is not accurate enough for these (it returns inf quantiles and ~1e-9 errors at huge df),
        // so the references are 50- to 400-digit mpmath evaluations of P(T > |t|) = ½ I_(ν/(ν+t²))(ν/2, ½).
        // Huge degrees of freedom (Hill's expansion above 1e5):
        // python3 -c "import mpmath as mp; mp.mp.dps=400; nu=mp.mpf(10)**9; print([mp.nstr((1-mp.betainc(0.5,nu/2,0,t*t/(nu+t*t),regularized=True))/2,17) for t in [mp.mpf(2),mp.mpf(5),mp.mpf(12)]])"
        for (t, e) in zip([2.0, 5, 12], [0.022750132083156624, 2.8665162019758142e-7, 1.7764914488705718e-33]) {
            assertClose(StudentT.survival(t, df: 1e9), e, relative: 1e-13, "sf(\(t); 1e9)")
            assertClose(StudentT.cdf(-t, df: 1e9), e, relative: 1e-13, "cdf(-\(t); 1e9)")
        }
        // python3 -c "import mpmath as mp; mp.mp.dps=400; nu=mp.mpf(250000); print([mp.nstr((1-mp.betainc(0.5,nu/2,0,t*t/(nu+t*t),regularized=True))/2,17) for t in [mp.mpf(1),mp.mpf(3),mp.mpf(20)]])"
        for (t, e) in zip([1.0, 3, 20], [0.15865573787242215, 0.00135003099056588, 3.2334375346575903e-89]) {
            assertClose(StudentT.survival(t, df: 250_000), e, relative: 1e-13, "sf(\(t); 250000)")
        }
        // Round trip through Hill's expansion.
        assertClose(StudentT.cdf(StudentT.quantile(0.025, df: 1e9), df: 1e9), 0.025, relative: 1e-13)
        // t² overflowing: the series' leading term in logs (0.3 df, t = 1e200), and the Cauchy far tail.
        // python3 -c "import mpmath as mp; mp.mp.dps=50; print(mp.nstr(mp.betainc(0.15,0.5,0,mp.mpf(0.3)/(mp.mpf(0.3)+mp.mpf(10)**400),regularized=True)/2,17), mp.nstr(-1/mp.tan(mp.pi*mp.mpf('1e-300')),17))"
        assertClose(StudentT.cdf(-1e200, df: 0.3), 3.495007233838577e-61, relative: 1e-12)
        assertClose(StudentT.quantile(1e-300, df: 1), -3.1830988618379067e+299, relative: 1e-14)
        // A quantile beyond the largest double is -inf, not a wrong finite number.
        XCTAssertEqual(StudentT.quantile(1e-300, df: 0.3), -.infinity)
        XCTAssertEqual(StudentT.cdf(-1e200, df: 3), 0)   // 1.1e-600 underflows
    }

    func testChiSquareManyDegreesOfFreedom() {
        // Large a in the incomplete gamma (the prefactor is regrouped with Stirling's series).
        // python3 -c "from scipy.stats import chi2; print(chi2.sf([1e5, 101000, 1e-10],[1e5, 1e5, 50]).tolist(), chi2.cdf([1e-10],[50]).tolist())"
        assertClose(ChiSquare.survival(1e5, df: 1e5), 0.4994052918952067, relative: 1e-12)
        assertClose(ChiSquare.survival(101_000, df: 1e5), 0.012868840377233648, relative: 1e-12)
        XCTAssertEqual(ChiSquare.survival(1e-10, df: 50), 1)
        assertClose(ChiSquare.cdf(1e-10, df: 50), 1.9213409078343628e-283, relative: 1e-12)
    }
}
