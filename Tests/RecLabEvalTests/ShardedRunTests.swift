import Foundation
import RecLabCore
@testable import RecLabEval
import RecLabConfig
import RecLabSplits
import RecLabResults
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// A strategy that cannot be fitted on a training set with an odd number of entries (so it fails on some folds
/// and not others), else ranks by popularity and predicts the user's mean rating.
// @unchecked Sendable: the fitted state is written only by `fit`, before ranking reads it (as the shipped strategies).
final class OddFailingRecommender: Recommender, @unchecked Sendable {
    static let typeName = "odd-failing"
    static let summary = "test strategy"
    private var counts: [Float] = []
    private var means: [Float] = []
    private let failsOnOdd: Bool
    init(parameters: Parameters) throws { failsOnOdd = true }
    init(failsOnOdd: Bool) { self.failsOnOdd = failsOnOdd }

    func fit(_ train: TrainingSet, context: FitContext) throws {
        if failsOnOdd && train.byUser.nonZeroCount % 2 == 1 { throw RecLabError.data("odd training set (\(train.byUser.nonZeroCount) entries)") }
        counts = [Float](repeating: 0, count: train.itemCount)
        means = [Float](repeating: 3, count: train.userCount)
        for u in 0..<train.userCount {
            let r = train.byUser.range(ofRow: u)
            for p in r { counts[Int(train.byUser.columns[p])] += 1 }
            if !r.isEmpty { means[u] = train.byUser.values[r].reduce(0, +) / Float(r.count) }
        }
    }
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<scores.count { scores[i] = counts[i] + Float(i) * 1e-3 }
    }
    var predictsRatings: Bool { true }
    func predict(user: Int, item: Int) -> Float? { means[user] }
}

/// A run cut into units, run in shuffled order and merged, gives the document `ExperimentRunner.run` gives
/// (k-fold x repeats, ranking, catalogue and rating metrics, a strategy failing on some fold, a grid).
final class ShardedRunTests: XCTestCase {
    /// 24 users x 18 movies, ratings 1-5 from a fixed rule: enough for 3 folds with relevant items.
    private func dataset() -> Dataset {
        var rows: [(Int, Int, Float, Int64)] = []
        for u in 1...24 {
            for m in 1...18 where (u * 7 + m * 3) % 5 < 3 {
                rows.append((u, m, Float(1 + (u + m * m) % 5), Int64(u * 100 + m)))
            }
        }
        return Dataset(content: TestSupport.tinyContent(users: 24, movies: 18, ratings: rows))
    }

    private func config() throws -> ExperimentConfig {
        let grid = [50.0, 400.0].map { lambda -> StrategySpec in
            var p = Parameters()
            p.values["lambda"] = .double(lambda)
            return StrategySpec(name: "ease[lambda=\(Int(lambda))]", type: "ease", parameters: p)
        }
        return ExperimentConfig(name: "sharded", seed: 11, dataset: .store(path: "unused"), split: SplitSpec(method: .kFold(k: 3)),
                                relevance: .threshold(4), feedback: nil,
                                strategies: [StrategySpec(name: "pop", type: "most-popular"), StrategySpec(name: "odd", type: "odd-failing"),
                                             StrategySpec(name: "mean", type: "odd-failing"), StrategySpec(name: "rnd", type: "random")] + grid,
                                metrics: try ["ndcg@5", "recall@5", "coverage@5", "gini@5", "rmse", "mae"].flatMap { try MetricRegistry.parse($0) },
                                repeats: 2, configText: "name: sharded\nseed: 11\n")
    }

    private func make(_ spec: StrategySpec) throws -> any Recommender {
        spec.type == "odd-failing" ? OddFailingRecommender(failsOnOdd: spec.name == "odd") : try StrategyRegistry.make(type: spec.type, parameters: spec.parameters)
    }

    /// JSON of a document without what names the clock: created_at and the measured seconds.
    private func comparable(_ d: OfflineResults) throws -> String {
        var d = d
        d.provenance.createdAt = nil
        for i in d.strategies.indices { d.strategies[i].fitSeconds = 0; d.strategies[i].evalSeconds = 0 }
        return String(decoding: try ResultJSON.encoder().encode(d), as: UTF8.self)
    }

    func testShuffledUnitsMergeIntoTheSingleMachineDocument() throws {
        let config = try config(), data = dataset()
        let single = try ExperimentRunner.run(config, dataset: data, makeStrategy: make)
        XCTAssertNotNil(single.document.failures, "the odd strategy fails on some fold: the failure path is covered")
        XCTAssertTrue(single.document.results.contains { $0.metric == "rmse" && $0.strategy == "mean" }, "rating metrics are covered")

        let plan = try ExperimentRunner.plan(config, dataset: data, makeStrategy: make)
        XCTAssertEqual(plan.units.count, 2 * 3 * 6, "repeats x folds x strategies")
        XCTAssertEqual(Set(plan.units.map(\.id)).count, plan.units.count)
        var rng = SeededRandom(seed: 3, stream: "shuffle")
        var order = Array(plan.units.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        XCTAssertNotEqual(order, Array(plan.units.indices))
        var partials: [Int: (OfflineUnitResult, UnitTiming)] = [:]
        for i in order {
            partials[i] = try ExperimentRunner.runUnit(config, dataset: data, plan: plan, index: i, source: "plan", makeStrategy: make)
        }
        // The same unit again gives the same bytes.
        let again = try ExperimentRunner.runUnit(config, dataset: data, plan: plan, index: order[0], source: "plan", makeStrategy: make)
        XCTAssertEqual(try again.result.encoded(), try partials[order[0]]!.0.encoded())

        let merged = try ExperimentRunner.gather(config, dataset: data, plan: plan, source: "plan") { i in partials[i]! }
        XCTAssertEqual(try comparable(merged.document), try comparable(single.document))
        XCTAssertEqual(merged.metricRows.count, single.metricRows.count)
        XCTAssertEqual(merged.userValues.map(\.values), single.userValues.map(\.values))
    }

    /// The protocols whose folds carry more than train/test rows shard identically too: leave-one-out with
    /// sampled negatives (drawn from the run's seed tree) and strong generalisation (fold-in rows); a tuned
    /// config is refused at planning.
    func testLeaveOneOutAndStrongGeneralizationShardLikeTheSingleRun() throws {
        let data = dataset()
        for method in [SplitMethod.leaveOneOut(sampledNegatives: 7), .strongGeneralization(heldOutUsers: 0.25, foldIn: 0.5)] {
            var config = try config()
            config.split = SplitSpec(method: method)
            config.repeats = 1
            config.strategies = [StrategySpec(name: "pop", type: "most-popular"), StrategySpec(name: "ease", type: "ease")]
            config.metrics = try ["ndcg@5", "recall@5"].flatMap { try MetricRegistry.parse($0) }
            let single = try ExperimentRunner.run(config, dataset: data, makeStrategy: make)
            let plan = try ExperimentRunner.plan(config, dataset: data, makeStrategy: make)
            var partials: [Int: (OfflineUnitResult, UnitTiming)] = [:]
            for i in plan.units.indices.reversed() {
                partials[i] = try ExperimentRunner.runUnit(config, dataset: data, plan: plan, index: i, source: "plan", makeStrategy: make)
            }
            let merged = try ExperimentRunner.gather(config, dataset: data, plan: plan, source: "plan") { i in partials[i]! }
            XCTAssertEqual(try comparable(merged.document), try comparable(single.document), "\(method)")
            if case .leaveOneOut = method {
                XCTAssertTrue(single.document.results.contains { $0.metric.hasPrefix("sampled-") }, "sampled rows are compared too")
            }
        }
        var tuned = try config()
        tuned.tuning = try TuningPlan.parse(ConfigNode.parse("{metric: ndcg@5, method: grid}", file: "t.yaml"))
        // A tuned config is planned as its search (tune-trial units), which the offline runner refuses to run.
        let tunedPlan = try ExperimentRunner.plan(tuned, dataset: data, makeStrategy: make)
        XCTAssertEqual(tunedPlan.command, Tuner.planCommand)
        XCTAssertTrue(tunedPlan.units.allSatisfy { $0.kind == .tuneTrial })
        XCTAssertThrowsError(try ExperimentRunner.runUnit(tuned, dataset: data, plan: tunedPlan, index: 0, source: "plan", makeStrategy: make))
    }

    func testPlanOfAnotherConfigOrTamperedPartialIsRefused() throws {
        let config = try config(), data = dataset()
        let plan = try ExperimentRunner.plan(config, dataset: data, makeStrategy: make)
        var changed = config
        changed.configText += "# edited\n"
        changed.configHash = SHA256.hexDigest(changed.configText)
        XCTAssertThrowsError(try ExperimentRunner.runUnit(changed, dataset: data, plan: plan, index: 0, source: "plan", makeStrategy: make)) {
            XCTAssertTrue("\($0)".contains("changed since it was planned"), "\($0)")
        }
        var extra = plan
        extra.units[1].coordinates["strategy"] = 3
        XCTAssertThrowsError(try ExperimentRunner.runUnit(config, dataset: data, plan: extra, index: 1, source: "plan", makeStrategy: make)) {
            XCTAssertTrue("\($0)".contains("not those planning gives"), "\($0)")
        }
        XCTAssertThrowsError(try ExperimentRunner.runUnit(config, dataset: data, plan: plan, index: plan.units.count, source: "plan", makeStrategy: make))

        var partials = try plan.units.indices.map { try ExperimentRunner.runUnit(config, dataset: data, plan: plan, index: $0, source: "plan", makeStrategy: make) }
        // A partial result whose arrays do not fit its fold is refused with the unit named, not indexed out of range.
        if let k = partials.firstIndex(where: { $0.result.rankingValues != nil }) {
            partials[k].result.rankingValues!.removeLast()
            XCTAssertThrowsError(try ExperimentRunner.gather(config, dataset: data, plan: plan, source: "plan") { partials[$0] }) {
                XCTAssertTrue("\($0)".contains(plan.units[k].id), "\($0)")
            }
        } else {
            XCTFail("no unit ranked anything")
        }
    }

    /// A strategy above the run's memory budget stops the plan, as it stops the run, before any fold is split or
    /// fitted (the check is the runner's `checkMemory`).
    func testPlanChecksTheMemoryBudgetBeforeAnyWork() throws {
        let config = try config()
        let tight = RunContext(memoryBudget: 100)   // bytes: EASE's 18 × 18 floats need more
        XCTAssertThrowsError(try ExperimentRunner.plan(config, dataset: dataset(), context: tight, makeStrategy: make)) {
            XCTAssertTrue("\($0)".contains("ease[lambda=50]") && "\($0)".contains("memory budget"), "\($0)")
        }
        XCTAssertNoThrow(try ExperimentRunner.plan(config, dataset: dataset(), context: RunContext(memoryBudget: 1 << 30), makeStrategy: make))
    }
}
