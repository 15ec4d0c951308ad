import Foundation
import RecLabCore
import RecLabEval
import RecLabReport
import RecLabResults
import RecLabStore
import RecLabStrategies
import RecLabTestSupport
import XCTest

/// A strategy whose fit always fails, as the EASE memory guard or a numerical failure would.
final class FailingRecommender: Recommender {
    static let typeName = "failing"
    static let summary = "test strategy"
    init(parameters: Parameters) throws {}
    init() {}
    func fit(_ train: TrainingSet, context: FitContext) throws { throw RecLabError.data("matrix is not positive definite") }
    func score(user: Int, into scores: UnsafeMutableBufferPointer<Float>) {}
    var predictsRatings: Bool { false }
    func predict(user: Int, item: Int) -> Float? { nil }
}

/// Runs where some strategy fails or some metric is undefined: what finished is kept, what is undefined is an error.
final class PartialRunTests: XCTestCase {
    private func dataset() -> Dataset {
        Dataset(content: TestSupport.tinyContent(users: 3, movies: 5, ratings: [
            (1, 1, 5, 1), (1, 2, 3, 2), (1, 3, 4, 3),
            (2, 2, 4, 1), (2, 4, 5, 2),
            (3, 1, 2, 1), (3, 5, 2, 2),
        ], genres: [1: ["Action"], 2: ["Action", "Comedy"], 3: ["Comedy"], 4: ["Drama"], 5: ["Action"]]))
    }

    private func config(strategies: [(String, Int)], metrics: [String], relevance: RelevanceRule = .threshold(4)) throws -> ExperimentConfig {
        ExperimentConfig(name: "t", seed: 7, dataset: .store(path: "unused"), split: SplitSpec(method: .userLastK(k: 1)),
                         relevance: relevance, feedback: nil,
                         strategies: strategies.map { StrategySpec(name: $0.0, type: $0.0 == "broken" ? "failing" : "fixed-order", line: $0.1) },
                         metrics: try metrics.flatMap { try MetricRegistry.parse($0) }, configPath: "exp.yaml", configText: "name: t\n")
    }

    private func run(_ c: ExperimentConfig) throws -> ExperimentOutput {
        try ExperimentRunner.run(c, dataset: dataset()) { spec in
            spec.type == "failing" ? FailingRecommender() as any Recommender : FixedOrderRecommender(lowFirst: spec.name == "low", constant: nil)
        }
    }

    func testFailedStrategyIsListedAndTheOthersAreKept() throws {
        let out = try run(try config(strategies: [("low", 7), ("broken", 8), ("high", 9)], metrics: ["ndcg@3"]))
        let d = out.document
        XCTAssertEqual(d.strategies.map(\.name), ["low", "high"])
        XCTAssertEqual(Set(d.results.map(\.strategy)), ["low", "high"])
        XCTAssertEqual(d.comparisons.map { [$0.a, $0.b] }, [["low", "high"]])
        XCTAssertNil(d.exposure["broken"])
        XCTAssertEqual(Set(out.metricRows.map(\.subject)), ["low", "high"])
        let f = try XCTUnwrap(d.failures?.first)
        XCTAssertEqual(d.failures?.count, 1)
        XCTAssertEqual(f.strategy, "broken")
        XCTAssertEqual(f.type, "failing")
        XCTAssertEqual(f.fold, 0)
        XCTAssertTrue(f.error.hasPrefix("exp.yaml:8: "), f.error)
        XCTAssertTrue(f.error.contains("strategy 'broken'") && f.error.contains("not positive definite"), f.error)
        // The document carries the failure and reads back; the console table names it.
        let json = try ResultJSON.encoder().encode(d)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"failures\""))
        let back = try ResultJSON.decoder().decode(OfflineResults.self, from: json)
        XCTAssertEqual(back.failures, d.failures)
        XCTAssertTrue(ConsoleTables.offline(d).contains("FAILED: strategy 'broken'"), ConsoleTables.offline(d))
    }

    func testCompleteRunHasNoFailuresKey() throws {
        let out = try run(try config(strategies: [("low", 7), ("high", 8)], metrics: ["ndcg@3"]))
        XCTAssertNil(out.document.failures)
        let json = String(decoding: try ResultJSON.encoder().encode(out.document), as: UTF8.self)
        XCTAssertFalse(json.contains("failures"))
    }

    func testEveryStrategyFailingFailsTheRun() throws {
        XCTAssertThrowsError(try run(try config(strategies: [("broken", 5)], metrics: ["ndcg@3"]))) { error in
            let e = error as? RecLabError
            XCTAssertEqual(e?.file, "exp.yaml")
            XCTAssertEqual(e?.line, 5)
            XCTAssertTrue(e?.message.contains("strategy 'broken'") == true, "\(error)")
        }
    }

    func testNoRelevantTestItemIsAnError() throws {
        // Ratings go up to 5: at threshold 6 no test item is relevant, so every ranking metric is undefined.
        XCTAssertThrowsError(try run(try config(strategies: [("low", 7)], metrics: ["ndcg@3", "coverage@3"], relevance: .threshold(6)))) { error in
            let e = error as? RecLabError
            XCTAssertEqual(e?.key, "relevance")
            XCTAssertTrue(e?.message.contains("no user has a relevant item in the test part at relevance threshold 6") == true, "\(error)")
        }
    }

    func testPartlyUndefinedMetricIsKeptWithAWarning() throws {
        // diversity of a one-item list is undefined for every user; ndcg@3 is defined.
        let out = try run(try config(strategies: [("low", 7)], metrics: ["ndcg@3", "diversity@1"]))
        XCTAssertTrue(try XCTUnwrap(out.document.results.first { $0.metric == "ndcg@3" }).mean.isFinite)
        XCTAssertTrue(try XCTUnwrap(out.document.results.first { $0.metric == "diversity@1" }).mean.isNaN)
        XCTAssertEqual(ConsoleTables.undefinedWarnings(out.document).count, 1)
        XCTAssertTrue(ConsoleTables.offline(out.document).contains("warning: diversity@1 is undefined (nan) for low"))
    }
}
