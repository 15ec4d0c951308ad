@testable import RecLabSim

// Thin access to internal analysis helpers for reference-value tests.
enum ABAnalysisProbe {
    static func welch(_ t: [Double], _ c: [Double]) -> (pValue: Double, lift: Double, method: String) {
        let r = ABAnalysis.compare(metric: "m", arm: "t", control: "c", t: ABAnalysis.meanEstimate(t),
                                   c: ABAnalysis.meanEstimate(c), alpha: 0.05)
        return (r.pValue, r.lift, r.method)
    }
    static func ratio(_ x: [Double], _ y: [Double]) -> (mean: Double, se: Double) {
        let e = ABAnalysis.ratioEstimate(x, y)
        return (e.mean, e.standardError)
    }
}
