import Foundation
import RecLabCore
import RecLabEval
import RecLabResults
import RecLabStore
import RecLabStrategies
import RecLabTestSupport
import RecLabApp
import XCTest

/// A trivial strategy whose rankings are known in advance: scores items by index, ascending (`descending`
/// false: item 0 best) or descending, and predicts a constant rating.
final class FixedOrderRecommender: Recommender {
    static let typeName = "fixed-order"
    static let summary = "test strategy"
    let lowFirst: Bool
    let constant: Float?

    init(parameters: Parameters) throws { lowFirst = true; constant = nil }
    init(lowFirst: Bool, constant: Float?) { self.lowFirst = lowFirst; self.constant = constant }

    func fit(_ train: TrainingSet, context: FitContext) throws {}
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<scores.count { scores[i] = lowFirst ? -Float(i) : Float(i) }
    }
    var predictsRatings: Bool { constant != nil }
    func predict(user: Int, item: Int) -> Float? { constant }
}

final class RunnerTests: XCTestCase {
    private let eps = 1e-9

    /// Three users, five movies (items 0-4 = movies 1-5). Per-user temporal split, last interaction to test:
    /// - user 1: train movies 1, 2; test movie 3 rated 4 (relevant);
    /// - user 2: train movie 2; test movie 4 rated 5 (relevant);
    /// - user 3: train movie 1; test movie 5 rated 2 (not relevant: excluded from ranking metrics).
    private func tinyDataset() -> Dataset {
        Dataset(content: TestSupport.tinyContent(users: 3, movies: 5, ratings: [
            (1, 1, 5, 1), (1, 2, 3, 2), (1, 3, 4, 3),
            (2, 2, 4, 1), (2, 4, 5, 2),
            (3, 1, 2, 1), (3, 5, 2, 2),
        ], genres: [1: ["Action"], 2: ["Action", "Comedy"], 3: ["Comedy"], 4: ["Drama"], 5: ["Action"]]))
    }

    private func config(metrics: [String], strategies: [String] = ["low", "high"]) throws -> ExperimentConfig {
        ExperimentConfig(name: "t", seed: 7, dataset: .store(path: "unused"), split: SplitSpec(method: .userLastK(k: 1)),
                         relevance: .threshold(4), feedback: nil,
                         strategies: strategies.map { StrategySpec(name: $0, type: "fixed-order") },
                         metrics: try metrics.flatMap { try MetricRegistry.parse($0) }, configText: "name: t\n")
    }

    private func run(_ c: ExperimentConfig) throws -> ExperimentOutput {
        try ExperimentRunner.run(c, dataset: tinyDataset()) { spec in
            FixedOrderRecommender(lowFirst: spec.name == "low", constant: spec.name == "low" ? 3.5 : nil)
        }
    }

    private func value(_ out: ExperimentOutput, _ strategy: String, _ metric: String) throws -> MetricResult {
        try XCTUnwrap(out.document.results.first { $0.strategy == strategy && $0.metric == metric && $0.fold == nil },
                      "\(strategy) \(metric)")
    }

    func testRankingMetricsMatchHandComputation() throws {
        let out = try run(try config(metrics: ["ndcg@3", "precision@3", "recall@3", "mrr@3", "hit@1", "map@3"]))
        // "low" ranks items 0,1,2,... minus training items:
        //   user 1 (train {0,1}) gets [2,3,4]: relevant item 2 at rank 1 -> ndcg 1, P@3 1/3, RR 1, hit@1 1;
        //   user 2 (train {1}) gets [0,2,3]: relevant item 3 at rank 3 -> ndcg 1/log2(4) = 0.5, RR 1/3, hit@1 0.
        XCTAssertEqual(try value(out, "low", "ndcg@3").mean, 0.75, accuracy: eps)
        XCTAssertEqual(try value(out, "low", "ndcg@3").nUsers, 2)
        // 95% t interval over the two users (scipy: mean ± t.ppf(0.975, 1) · sd/√2).
        XCTAssertEqual(try value(out, "low", "ndcg@3").ciLow, -2.4265511840436735, accuracy: 1e-9)
        XCTAssertEqual(try value(out, "low", "ndcg@3").ciHigh, 3.9265511840436735, accuracy: 1e-9)
        XCTAssertEqual(try value(out, "low", "precision@3").mean, 1.0 / 3, accuracy: eps)
        XCTAssertEqual(try value(out, "low", "recall@3").mean, 1, accuracy: eps)
        XCTAssertEqual(try value(out, "low", "mrr@3").mean, (1 + 1.0 / 3) / 2, accuracy: eps)
        XCTAssertEqual(try value(out, "low", "hit@1").mean, 0.5, accuracy: eps)
        XCTAssertEqual(try value(out, "low", "map@3").mean, (1 + 1.0 / 3) / 2, accuracy: eps)
        // "high" ranks 4,3,2,...: user 1 gets [4,3,2] (hit at 3: 0.5); user 2 gets [4,3,2] (hit at 2: 1/log2(3)).
        XCTAssertEqual(try value(out, "high", "ndcg@3").mean, (0.5 + 1 / log2(3.0)) / 2, accuracy: eps)
        XCTAssertEqual(out.document.excludedUsers, 1)
        XCTAssertEqual(out.document.relevanceThreshold, 4)
        // Per-user values kept for users 0 and 1 (dense indices), in user order.
        let ndcg = try XCTUnwrap(out.userValues.first { $0.subject == "low" && $0.metric == "ndcg@3" })
        XCTAssertEqual(ndcg.users, [0, 1])
        XCTAssertEqual(ndcg.values[0], 1, accuracy: eps)
        XCTAssertEqual(ndcg.values[1], 0.5, accuracy: eps)
    }

    func testBeyondAccuracyMetrics() throws {
        let out = try run(try config(metrics: ["coverage@3", "gini@3", "popularity@3", "novelty@3", "diversity@3"], strategies: ["low"]))
        // Lists: user 1 [2,3,4], user 2 [0,2,3] -> items {0,2,3,4} of 5 recommended; exposure [1,0,2,2,1].
        XCTAssertEqual(try value(out, "low", "coverage@3").mean, 0.8, accuracy: eps)
        // Gini of [1,0,2,2,1]: sorted [0,1,1,2,2], Σ(2i-6)x = -2+0+4+8 = 10, / (5·6) = 1/3.
        XCTAssertEqual(try value(out, "low", "gini@3").mean, 1.0 / 3, accuracy: eps)
        XCTAssertEqual(out.document.exposure["low"], [1, 0, 2, 2, 1])
        XCTAssertEqual(out.document.exposureK, 3)
        // Training users per item: item 0 {u1,u3}=2, item 1 {u1,u2}=2, items 2-4: 0; 3 active users.
        // ARP: user 1 (0+0+0)/3 = 0, user 2 (2+0+0)/3 -> mean 1/3.
        XCTAssertEqual(try value(out, "low", "popularity@3").mean, 1.0 / 3, accuracy: eps)
        // Novelty: unseen items -log2(1/3); item 0 -log2(2/3). User 1: log2(3); user 2: (log2(1.5) + 2 log2(3)) / 3.
        let n1 = log2(3.0), n2 = (log2(1.5) + 2 * log2(3.0)) / 3
        XCTAssertEqual(try value(out, "low", "novelty@3").mean, (n1 + n2) / 2, accuracy: eps)
        // Genres: 0 {Action}, 1 {Action, Comedy}, 2 {Comedy}, 3 {Drama}, 4 {Action}.
        // User 1 [2,3,4]: all pairs disjoint -> 1. User 2 [0,2,3]: all disjoint -> 1.
        XCTAssertEqual(try value(out, "low", "diversity@3").mean, 1, accuracy: eps)
    }

    /// A metric defined outside the library runs through the runner unchanged: the runner only knows the
    /// three metric protocols, so adding a metric is adding a type.
    func testMetricsDefinedOutsideTheRegistryRunUnchanged() throws {
        var c = try config(metrics: ["ndcg@3"], strategies: ["low"])
        c.metrics = [TopItemMetric(k: 3), MaxExposureMetric(k: 3), MeanSquaredErrorMetric()]
        let out = try run(c)
        // Lists: user 1 [2,3,4], user 2 [0,2,3]: top items 2 and 0; exposure at 3 is [1,0,2,2,1].
        let top = try value(out, "low", "top-item@3")
        XCTAssertEqual(top.mean, 1, accuracy: eps)
        XCTAssertEqual(top.base, "top-item")
        XCTAssertEqual(top.k, 3)
        XCTAssertTrue(top.lowerIsBetter)
        XCTAssertEqual(try value(out, "low", "max-exposure@3").mean, 2, accuracy: eps)
        XCTAssertFalse(try value(out, "low", "max-exposure@3").lowerIsBetter)
        // Errors 0.5, 1.5, -1.5 against the constant 3.5.
        XCTAssertEqual(try value(out, "low", "mse").mean, (0.25 + 2.25 + 2.25) / 3, accuracy: eps)
        let perUser = try XCTUnwrap(out.userValues.first { $0.metric == "top-item@3" })
        XCTAssertEqual(perUser.values, [2, 0])
    }

    func testRatingMetricsFromPredictions() throws {
        let out = try run(try config(metrics: ["rmse", "mae", "ndcg@3"]))
        // Test ratings 4, 5, 2 against the constant 3.5: errors 0.5, 1.5, -1.5 (user 3's rating counts here).
        XCTAssertEqual(try value(out, "low", "rmse").mean, ((0.25 + 2.25 + 2.25) / 3).squareRoot(), accuracy: eps)
        XCTAssertEqual(try value(out, "low", "mae").mean, 3.5 / 3, accuracy: eps)
        XCTAssertEqual(try value(out, "low", "rmse").nUsers, 3)
        XCTAssertTrue(try value(out, "low", "rmse").lowerIsBetter)
        // "high" predicts nothing: no rating rows for it.
        XCTAssertNil(out.document.results.first { $0.strategy == "high" && $0.metric == "rmse" })
    }

    func testPairedComparisonsAndDocument() throws {
        let out = try run(try config(metrics: ["ndcg@3", "hit@3"]))
        let c = try XCTUnwrap(out.document.comparisons.first { $0.metric == "ndcg@3" })
        XCTAssertEqual(c.a, "low"); XCTAssertEqual(c.b, "high")
        // Per-user differences: user 1: 1 - 0.5; user 2: 0.5 - 1/log2(3).
        XCTAssertEqual(c.difference, ((1 - 0.5) + (0.5 - 1 / log2(3.0))) / 2, accuracy: eps)
        XCTAssertEqual(c.nUsers, 2)
        // scipy.stats.ttest_rel([1, 0.5], [0.5, 1/log2(3)]).pvalue and wilcoxon(...).pvalue.
        XCTAssertEqual(c.tP, 0.6630440738324104, accuracy: 1e-9)
        XCTAssertEqual(c.wilcoxonP, 1, accuracy: 1e-12)
        XCTAssertFalse(c.significant)
        // hit@3 is 1 for everyone in both: all differences zero -> no evidence.
        let h = try XCTUnwrap(out.document.comparisons.first { $0.metric == "hit@3" })
        XCTAssertEqual(h.difference, 0)
        XCTAssertEqual(h.wilcoxonP, 1)
        XCTAssertEqual(out.document.strategies.map(\.name), ["low", "high"])
        XCTAssertEqual(out.document.split.method, "user-temporal")
        XCTAssertEqual(out.document.provenance.dataset.users, 3)
        XCTAssertEqual(out.document.provenance.dataset.ratingHistogram, ["2.0": 2, "3.0": 1, "4.0": 2, "5.0": 2])
        XCTAssertEqual(out.document.provenance.dataset.interactionsPerMovie, [2, 2, 1, 1, 1])
        XCTAssertEqual(out.document.provenance.seed, 7)
    }

    func testMetricsJSONRoundTripsAndCSV() throws {
        let out = try run(try config(metrics: ["ndcg@[2,3]", "rmse"]))
        let dir = try TestSupport.temporaryDirectory(self)
        for file in try ResultFiles.recorded(out).files { try file.data.write(to: dir.appendingPathComponent(file.name)) }
        let data = try Data(contentsOf: dir.appendingPathComponent("metrics.json"))
        XCTAssertEqual(ResultJSON.kind(of: data), "offline")
        let decoded = try ResultJSON.decoder().decode(OfflineResults.self, from: data)
        XCTAssertEqual(decoded.results, out.document.results)
        XCTAssertEqual(decoded.comparisons, out.document.comparisons)
        XCTAssertEqual(decoded.provenance, out.document.provenance)
        XCTAssertEqual(decoded.exposure, out.document.exposure)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"relevance_threshold\""))
        let csv = try String(contentsOf: dir.appendingPathComponent("metrics.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "strategy,metric,fold,mean,ci_low,ci_high,n_users")
        XCTAssertTrue(lines.contains("low,ndcg@3,all,0.75,\(ResultFilesTestHelper.number(out, "low", "ndcg@3", \.ciLow)),\(ResultFilesTestHelper.number(out, "low", "ndcg@3", \.ciHigh)),2"))
        XCTAssertEqual(lines.count, 1 + out.document.results.count)
    }

    func testResultsStoreRecordsProvenanceAndUserValues() throws {
        let out = try run(try config(metrics: ["ndcg@3"]))
        let dir = try TestSupport.temporaryDirectory(self)
        let store = try ResultsStore(path: dir.appendingPathComponent("r.sqlite").path)
        try store.record(id: out.document.runId, kind: "offline", name: "t", provenance: out.document.provenance,
                         document: try ResultJSON.encoder().encode(out.document), metrics: out.metricRows, userValues: out.userValues)
        let runs = try store.runs()
        XCTAssertEqual(runs.map(\.id), [out.document.runId])
        XCTAssertEqual(runs[0].datasetHash, tinyDataset().contentHash)
        XCTAssertEqual(runs[0].seed, 7)
        let doc = try ResultJSON.decoder().decode(OfflineResults.self, from: try store.document(id: out.document.runId).data)
        XCTAssertEqual(doc.provenance.configHash, SHA256.hexDigest("name: t\n"))
        XCTAssertEqual(doc.provenance.configText, "name: t\n")
        XCTAssertEqual(doc.provenance.reclabVersion, RecLabVersion.string)
        let values = try store.userValues(runId: out.document.runId, subject: "high", metric: "ndcg@3")
        XCTAssertEqual(values.map(\.user), [0, 1])
        XCTAssertEqual(values[1].value, 1 / log2(3.0), accuracy: eps)
    }

    func testKFoldRunIsDeterministicAndCoversEveryRowOnce() throws {
        let d = tinyDataset()
        let split = SplitSpec(method: .kFold(k: 3))
        let folds = try split.folds(of: d, seed: 11)
        XCTAssertEqual(folds.count, 3)
        XCTAssertEqual(folds.flatMap(\.test).sorted(), (0..<Int32(d.interactionCount)).map { $0 })
        for f in folds { XCTAssertTrue(Set(f.train).isDisjoint(with: f.test)); XCTAssertEqual(f.train.count + f.test.count, 7) }
        XCTAssertEqual(try split.folds(of: d, seed: 11).map(\.test), folds.map(\.test))
        var c = try config(metrics: ["ndcg@3", "rmse"])
        c.split = split
        c.relevance = .implicit
        let a = try run(c), b = try run(c)
        XCTAssertEqual(a.document.results, b.document.results)
        XCTAssertEqual(a.document.split.folds, 3)
        // Per-fold rows are present alongside the overall ones.
        XCTAssertFalse(a.document.results.filter { $0.fold != nil }.isEmpty)
    }

    func testRepeatsRerunRandomSplitsWithDerivedSeeds() throws {
        var c = try config(metrics: ["hit@3"])
        c.split = SplitSpec(method: .holdout(testFraction: 0.4))
        c.relevance = .implicit
        c.repeats = 3
        let out = try run(c)
        XCTAssertEqual(out.document.split.folds, 3)
        XCTAssertEqual(out.document.split.parameters["repeats"], "3")
        XCTAssertEqual(Set(out.document.results.compactMap(\.fold)), [0, 1, 2])
        // Repeat 0 uses the config's seed itself: its fold equals a single run's split.
        c.repeats = 1
        let single = try run(c)
        let fold0 = out.document.results.filter { $0.fold == 0 }.map(\.mean)
        let one = single.document.results.filter { $0.fold == nil }.map(\.mean)
        XCTAssertEqual(fold0, one)
    }

    /// Fit and evaluation seconds are read from the run context's clock (two readings per timing), not from
    /// a clock of the engine's own: with a source that advances 0.5 s per reading both are exactly 0.5 s.
    func testTimingsComeFromTheContextClock() throws {
        let ticks = Ticks()
        let clock = RunClock(now: { Date(timeIntervalSince1970: 0) }, monotonicNanoseconds: { ticks.next(step: 500_000_000) })
        let out = try ExperimentRunner.run(try config(metrics: ["hit@3"]), dataset: tinyDataset(),
                                           context: RunContext(threads: 1, clock: clock)) { spec in
            FixedOrderRecommender(lowFirst: spec.name == "low", constant: nil)
        }
        XCTAssertEqual(out.document.strategies.map(\.fitSeconds), [0.5, 0.5])
        XCTAssertEqual(out.document.strategies.map(\.evalSeconds), [0.5, 0.5])
    }

    /// A strategy whose memory is known up front is checked against the run's budget before any split or fit,
    /// with the figure and the alternatives in the error, at the strategy's config line.
    func testMemoryBudgetIsCheckedBeforeAnyWork() throws {
        var c = try config(metrics: ["hit@3"], strategies: ["low", "big"])
        c.strategies[1] = StrategySpec(name: "big", type: "ease", line: 9)
        final class Fits: @unchecked Sendable { var count = 0 }  // single-threaded use in this test
        let fits = Fits()
        let make: (StrategySpec) throws -> any Recommender = { spec in
            if spec.type == "ease" { return try StrategyRegistry.make(type: "ease", parameters: spec.parameters) }
            return CountingRecommender { fits.count += 1 }
        }
        XCTAssertThrowsError(try ExperimentRunner.run(c, dataset: tinyDataset(), context: RunContext(memoryBudget: 60), makeStrategy: make)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("strategy 'big' (ease) needs about"), m)
            XCTAssertTrue(m.contains("5 titles with data"), m)
            XCTAssertTrue(m.contains("top_items"), m)
            XCTAssertEqual((e as? RecLabError)?.line, 9)
        }
        XCTAssertEqual(fits.count, 0, "nothing may be fitted before the memory check")
        // 5 titles need 100 bytes: a budget of 100 runs.
        _ = try ExperimentRunner.run(c, dataset: tinyDataset(), context: RunContext(memoryBudget: 100), makeStrategy: make)
        XCTAssertGreaterThan(fits.count, 0)
    }

    /// A context seed tree re-roots the run: seed 11 from the context equals seed 11 in the plan, split and
    /// every repeat's derived seed included, and differs from the plan's own seed 7.
    func testContextSeedTreeReRootsTheRun() throws {
        var c = try config(metrics: ["hit@3"])
        c.split = SplitSpec(method: .holdout(testFraction: 0.4))
        c.relevance = .implicit
        c.repeats = 3
        let reRooted = try ExperimentRunner.run(c, dataset: tinyDataset(), context: RunContext(seeds: SeedTree(root: 11))) { spec in
            FixedOrderRecommender(lowFirst: spec.name == "low", constant: nil)
        }
        var c11 = c
        c11.seed = 11
        let planned = try ExperimentRunner.run(c11, dataset: tinyDataset()) { spec in
            FixedOrderRecommender(lowFirst: spec.name == "low", constant: nil)
        }
        XCTAssertEqual(reRooted.document.results.map(\.mean), planned.document.results.map(\.mean))
        let own = try run(c)
        XCTAssertNotEqual(own.document.results.filter { $0.fold != nil }.map(\.mean),
                          planned.document.results.filter { $0.fold != nil }.map(\.mean))
    }

    /// The issue's top-N protocol on real data against an independent implementation: most-popular on
    /// ml-latest-small, per-user temporal 20% split, relevant = rating >= 4. The reference values come from
    /// Tests/Oracles/most_popular_oracle.py (plain Python over the CSV files).
    func testMostPopularOnMLLatestSmallMatchesIndependentOracle() throws {
        let folder = try TestSupport.sharedDataset("ml-latest-small")
        let text = """
            name: oracle
            dataset: {movielens: \(folder.path)}
            split: {method: user-temporal, fraction: 0.2}
            relevance: 4.0
            strategies: [{name: pop, type: most-popular}]
            metrics: [ndcg@10, recall@10]
            """
        let c = try ExperimentConfig.parse(text: text, path: nil)
        let out = try ExperimentRunner.run(c, dataset: try DatasetSources.dataset(for: c, context: RunContext()))
        XCTAssertEqual(out.document.excludedUsers, 18)
        XCTAssertEqual(try value(out, "pop", "ndcg@10").nUsers, 592)
        XCTAssertEqual(try value(out, "pop", "ndcg@10").mean, 0.0743136689083231, accuracy: 1e-12)
        XCTAssertEqual(try value(out, "pop", "recall@10").mean, 0.04957833662173643, accuracy: 1e-12)
    }
}

enum ResultFilesTestHelper {
    static func number(_ out: ExperimentOutput, _ s: String, _ m: String, _ kp: KeyPath<MetricResult, Double>) -> String {
        String(format: "%.6g", out.document.results.first { $0.strategy == s && $0.metric == m && $0.fold == nil }![keyPath: kp])
    }
}

/// Index of the first recommended item (meaningless, but easy to check by hand).
struct TopItemMetric: ListMetric {
    static let baseName = "top-item", direction = BetterDirection.lower
    let k: Int
    init(k: Int) { self.k = k }
    func value(_ list: UserList) -> Double? { list.items.first.map(Double.init) }
}

/// The largest number of lists any one item appears in.
struct MaxExposureMetric: GlobalMetric {
    static let baseName = "max-exposure", direction = BetterDirection.higher
    let k: Int
    init(k: Int) { self.k = k }
    func value(exposure: [Int]) -> Double { Double(exposure.max() ?? 0) }
}

/// Mean squared error (RMSE without the square root).
struct MeanSquaredErrorMetric: RatingMetric {
    static let baseName = "mse", direction = BetterDirection.lower
    init() {}
    func loss(_ error: Double) -> Double { error * error }
    func value(meanLoss: Double) -> Double { meanLoss }
    func bound(meanLoss: Double) -> Double { meanLoss }
}


/// Counts its fits (scores like `FixedOrderRecommender`'s low-first order).
final class CountingRecommender: Recommender, @unchecked Sendable {  // safe: `onFit` only touches test-owned state
    static let typeName = "counting"
    static let summary = "test strategy"
    let onFit: () -> Void
    init(parameters: Parameters) throws { onFit = {} }
    init(onFit: @escaping () -> Void) { self.onFit = onFit }
    func fit(_ train: TrainingSet, context: FitContext) throws { onFit() }
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<scores.count { scores[i] = -Float(i) }
    }
}
