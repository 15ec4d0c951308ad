import Foundation
import RecLabReport
import RecLabResults
import RecLabStore

/// Realistic result documents built from the shared Codable types, so tests can compare report tables
/// with the exact values they were made from. Values are fixed formulas (no randomness), chosen to look
/// like a small synthetic run: EASE best on ranking, biased-mf the only rating predictor, most-popular
/// concentrated exposure.
enum Fixtures {
    static func dataset(hash: String = "d1f0c0ffee0000000000000000000000000000000000000000000000000000aa") -> DatasetCard {
        // Zipf-like long tail over 200 movies.
        let perMovie = (1...200).map { max(1, Int(2000.0 / pow(Double($0), 0.9))) }
        let histogram = ["0.5": 210, "1.0": 480, "1.5": 350, "2.0": 900, "2.5": 1100, "3.0": 2600, "3.5": 3100, "4.0": 3700, "4.5": 1500, "5.0": 1800]
        return DatasetCard(name: "small-synthetic", source: "synthetic: datasets/small.yaml", contentHash: hash, users: 300, movies: 200,
                           interactions: perMovie.reduce(0, +), ratings: histogram.values.reduce(0, +), ratingHistogram: histogram,
                           interactionsPerMovie: perMovie, synthetic: true)
    }

    static func provenance(seed: UInt64 = 42, configHash: String = "c0ffee" + String(repeating: "1", count: 58), datasetHash: String? = nil) -> Provenance {
        Provenance(configPath: "experiments/tiny.yaml", configHash: configHash,
                   configText: "name: tiny\nseed: \(seed)\nstrategies:\n  - {name: ease, type: ease}\n", seed: seed,
                   reclabVersion: "0.1.0", gitCommit: "0123456789abcdef0123456789abcdef01234567", createdAt: "2026-11-25T12:00:00Z",
                   dataset: datasetHash.map { dataset(hash: $0) } ?? dataset())
    }

    static let strategies = ["most-popular", "item-knn", "ease", "biased-mf"]

    /// Mean of `metric` for strategy index `s`.
    static func value(_ s: Int, _ metric: String) -> Double {
        let strength = [0.55, 0.8, 1.0, 0.6][s]
        switch metric {
        case "ndcg@5": return 0.09 * strength
        case "ndcg@10": return 0.11 * strength
        case "ndcg@20": return 0.14 * strength
        case "precision@10": return 0.07 * strength
        case "recall@10": return 0.16 * strength
        case "hit@10": return 0.45 * strength
        case "coverage@10": return [0.05, 0.41, 0.33, 0.22][s]
        case "gini@10": return [0.97, 0.71, 0.78, 0.86][s]
        case "novelty@10": return [6.1, 8.4, 7.9, 7.2][s]
        case "rmse": return 0.912
        case "mae": return 0.717
        default: return .nan
        }
    }

    static let rankingMetrics = ["ndcg@5", "ndcg@10", "ndcg@20", "precision@10", "recall@10", "hit@10", "coverage@10", "gini@10", "novelty@10"]

    /// An offline run; `adjust` can change a (strategy, metric) mean before it is written (to plant changes).
    static func offline(adjust: (String, String, Double) -> Double = { $2 }, datasetHash: String? = nil,
                        runId: String = "offline-0123456789ab") -> OfflineResults {
        var results: [MetricResult] = []
        var comparisons: [PairedComparison] = []
        for (s, name) in strategies.enumerated() {
            let metrics = rankingMetrics + (name == "biased-mf" ? ["rmse", "mae"] : [])
            for m in metrics {
                let parts = m.split(separator: "@")
                let base = String(parts[0])
                let k = parts.count > 1 ? Int(parts[1]) : nil
                let mean = adjust(name, m, value(s, m))
                let half = mean * 0.08 + 0.002
                let lower = ["rmse", "mae", "gini", "popularity"].contains(base)
                results.append(MetricResult(strategy: name, metric: m, base: base, k: k, fold: nil, mean: mean, ciLow: mean - half,
                                            ciHigh: mean + half, nUsers: 280, lowerIsBetter: lower))
                if m == "ndcg@10" {
                    for fold in 1...2 {
                        results.append(MetricResult(strategy: name, metric: m, base: base, k: k, fold: fold, mean: mean + (fold == 1 ? 0.001 : -0.001),
                                                    ciLow: mean - 2 * half, ciHigh: mean + 2 * half, nUsers: 140, lowerIsBetter: lower))
                    }
                }
            }
        }
        // ease vs item-knn: significant on ndcg@10, not on hit@10.
        comparisons.append(PairedComparison(metric: "ndcg@10", a: "ease", b: "item-knn", difference: 0.022, ciLow: 0.012, ciHigh: 0.032,
                                            tP: 0.0002, wilcoxonP: 0.0001, pAdjusted: 0.0006, significant: true, nUsers: 280))
        comparisons.append(PairedComparison(metric: "hit@10", a: "ease", b: "item-knn", difference: 0.09, ciLow: -0.01, ciHigh: 0.19,
                                            tP: 0.08, wilcoxonP: 0.09, pAdjusted: 0.27, significant: false, nUsers: 280))
        let exposure: [String: [Int]] = [
            "most-popular": (0..<200).map { $0 < 10 ? 300 : 0 },
            "item-knn": (0..<200).map { $0 < 82 ? 3000 / (1 + $0 / 4) : 0 },
            "ease": (0..<200).map { $0 < 66 ? 3000 / (1 + $0 / 3) : 0 },
            "biased-mf": (0..<200).map { $0 < 44 ? 2000 / (1 + $0 / 2) : 0 },
        ]
        let runs = strategies.enumerated().map { s, name in
            StrategyRun(name: name, type: name,
                        parameters: name == "ease" ? ["lambda": "200"] : (name == "item-knn" ? ["neighbours": "50", "shrinkage": "10"] : [:]),
                        fitSeconds: [0.0004, 0.12, 0.9, 2.4][s], evalSeconds: [0.01, 0.05, 0.04, 0.05][s])
        }
        return OfflineResults(runId: runId, name: "tiny", provenance: provenance(datasetHash: datasetHash),
                              split: SplitDescription(method: "user-temporal", parameters: ["test_fraction": "0.2"], folds: 1),
                              relevanceThreshold: 4.0, strategies: runs, results: results, comparisons: comparisons, exposureK: 10,
                              exposure: exposure, excludedUsers: 20)
    }

    static let abMetrics = ["ctr", "plays_per_visit", "watch_minutes_per_user", "completion_rate"]

    static func ab(srmOK: Bool = true, adjust: (String, String, Double) -> Double = { $2 }) -> ABResults {
        let arms = ["control", "ease", "random"]
        let base: [String: Double] = ["ctr": 0.041, "plays_per_visit": 0.62, "watch_minutes_per_user": 212, "completion_rate": 0.58]
        let factor: [String: Double] = ["control": 1, "ease": 1.12, "random": 0.7]
        var armResults: [ABArm] = []
        for a in arms {
            var metrics: [String: MetricSummary] = [:]
            for m in abMetrics {
                let mean = adjust(a, m, base[m]! * factor[a]!)
                metrics[m] = MetricSummary(mean: mean, ciLow: mean * 0.96, ciHigh: mean * 1.04, n: 1000)
            }
            let exposure = (0..<200).map { i in a == "random" ? 50 : max(0, 400 - i * (a == "ease" ? 3 : 5)) }
            armResults.append(ABArm(name: a, strategy: a == "control" ? "most-popular" : a, parameters: [:], weight: 1.0 / 3,
                                    users: srmOK ? 1000 : (a == "control" ? 1200 : 900), metrics: metrics, exposure: exposure))
        }
        var comparisons: [ABComparison] = []
        for a in arms where a != "control" {
            for m in abMetrics {
                let c = armResults[0].metrics[m]!.mean, t = armResults.first { $0.name == a }!.metrics[m]!.mean
                let lift = t - c
                comparisons.append(ABComparison(metric: m, arm: a, control: "control", lift: lift, relLift: lift / c, ciLow: lift - 0.05 * c,
                                                ciHigh: lift + 0.05 * c, relCiLow: lift / c - 0.05, relCiHigh: lift / c + 0.05, pValue: 0.001,
                                                pAdjusted: 0.004, significant: abs(lift / c) > 0.05, method: m == "ctr" ? "delta" : "welch"))
            }
        }
        var daily: [DailyArmMetrics] = []
        for day in 1...14 {
            for a in arms {
                var metrics: [String: MetricSummary] = [:]
                for m in abMetrics {
                    let mean = base[m]! * factor[a]! * (1 + 0.01 * Double(day % 5))
                    metrics[m] = MetricSummary(mean: mean, ciLow: mean * 0.9, ciHigh: mean * 1.1, n: 300)
                }
                daily.append(DailyArmMetrics(day: day, arm: a, visits: 300, impressions: 7200, plays: 190, metrics: metrics,
                                             gini: 0.6 + 0.01 * Double(day) * (a == "control" ? 1 : 0.3), coverage: 0.4))
            }
        }
        let observed = Dictionary(uniqueKeysWithValues: armResults.map { ($0.name, $0.users) })
        let total = Double(armResults.reduce(0) { $0 + $1.users })
        return ABResults(runId: "ab-fedcba987654", name: "ab-demo", provenance: provenance(seed: 7), days: 14, alpha: 0.05, control: "control",
                         world: "synthetic", arms: armResults, comparisons: comparisons,
                         srm: SRMResult(chi2: srmOK ? 0.0 : 50.0, pValue: srmOK ? 1.0 : 1.4e-11, ok: srmOK, threshold: 0.001, observed: observed,
                                        expected: Dictionary(uniqueKeysWithValues: arms.map { ($0, total / 3) })),
                         power: arms.dropFirst().map { PowerResult(metric: "ctr", arm: $0, mde: 0.002, relativeMde: 0.049, targetRelativeMde: 0.02, usersNeeded: 6000) },
                         cuped: nil, daily: daily)
    }

    static func write<T: Encodable>(_ document: T, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ResultJSON.encoder().encode(document).write(to: url)
    }
}
