@testable import RecLabSim

// Thin access to internal statistics helpers for reference-value tests.
enum SimStatsProbe {
    static func tTwoSidedP(_ t: Double, df: Double) -> Double { SimStats.tTwoSidedP(t, df: df) }
    static func tQuantile(_ p: Double, df: Double) -> Double { SimStats.tQuantile(p, df: df) }
    static func chiSquareSurvival(_ x: Double, df: Double) -> Double { SimStats.chiSquareSurvival(x, df: df) }
    static func normalQuantile(_ p: Double) -> Double { SimStats.normalQuantile(p) }
    static func holm(_ p: [Double]) -> [Double] { SimStats.holm(p) }
}

enum ABAnalysisProbe {
    static func welch(_ t: [Double], _ c: [Double]) -> (pValue: Double, lift: Double) {
        let r = ABAnalysis.compare(metric: "m", arm: "t", control: "c", t: ABAnalysis.meanEstimate(t),
                                   c: ABAnalysis.meanEstimate(c), alpha: 0.05, welch: true)
        return (r.pValue, r.lift)
    }
    static func ratio(_ x: [Double], _ y: [Double]) -> (mean: Double, se: Double) {
        let e = ABAnalysis.ratioEstimate(x, y)
        return (e.mean, e.standardError)
    }
}
