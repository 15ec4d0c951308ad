import RecLabCore
import RecLabStrategies
import XCTest

final class BaselineStrategiesTests: XCTestCase {
    func testUnknownParametersAreRejectedByName() {
        for type in ["random", "most-popular", "top-rated", "item-knn", "user-knn", "ease", "content", "hybrid"] {
            assertRejectsUnknownParameter(type)
        }
    }

    func testWrongParameterTypeNamesKey() {
        XCTAssertThrowsError(try StrategyRegistry.make(type: "top-rated", parameters: Parameters(["damping": .string("lots")]))) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "damping")
        }
        XCTAssertThrowsError(try StrategyRegistry.make(type: "top-rated", parameters: Parameters(["damping": .double(-1)]))) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "damping")
        }
    }

    func testMostPopularCountsInteractionsAndExcludesTrainingItems() throws {
        let r = try StrategyTestData.fitted("most-popular")
        XCTAssertEqual(StrategyTestData.scores(r, user: 0), [2, 3, 2, 2, 0])
        // u4 (index 3) has item 4: the rest by count, ties to the lower index.
        XCTAssertEqual(StrategyTestData.ranking(r, user: 3), [1, 0, 2, 4])
        XCTAssertEqual(StrategyTestData.ranking(r, user: 0), [3, 4])
        XCTAssertFalse(r.predictsRatings)
    }

    func testTopRatedUsesDampedMean() throws {
        let r = try StrategyTestData.fitted("top-rated", ["damping": .int(5)])
        let mu: Float = 35.0 / 9.0
        let expected: [Float] = [(9 + 5 * mu) / 7, (11 + 5 * mu) / 8, (6 + 5 * mu) / 7, (9 + 5 * mu) / 7, mu]
        let s = StrategyTestData.scores(r, user: 0)
        for (a, b) in zip(s, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // No damping: plain means; the unrated item gets the global mean instead of 0/0.
        let plain = try StrategyTestData.fitted("top-rated", ["damping": .int(0)])
        let p = StrategyTestData.scores(plain, user: 0)
        for (a, b) in zip(p, [4.5, 11.0 / 3.0, 3, 4.5, Double(mu)]) { XCTAssertEqual(Double(a), b, accuracy: 1e-5) }
    }

    func testTopRatedPredictsDampedBaseline() throws {
        let r = try StrategyTestData.fitted("top-rated", ["damping": .int(0)])
        XCTAssertTrue(r.predictsRatings)
        // Undamped: b_i = mean(r − μ) over the item, b_u = mean(r − μ − b_i) over the user.
        // u4 rated only i4 (5): b_i4 = 4.5 − μ, b_u4 = 5 − μ − b_i4 = 0.5, so r̂(u4, i1) = μ + 0.5 + (4.5 − μ) = 5.
        XCTAssertEqual(r.predict(user: 3, item: 0)!, 5, accuracy: 1e-5)
        // The cold user gets μ + b_i: r̂(u5, i3) = 3.
        XCTAssertEqual(r.predict(user: 4, item: 2)!, 3, accuracy: 1e-5)
        // Cold user and cold item: the global mean.
        XCTAssertEqual(r.predict(user: 4, item: 4)!, 35.0 / 9.0, accuracy: 1e-5)
    }

    func testRandomIsSeededPerUser() throws {
        let a = try StrategyTestData.fitted("random", seed: 1)
        let b = try StrategyTestData.fitted("random", seed: 1)
        let c = try StrategyTestData.fitted("random", seed: 2)
        XCTAssertEqual(StrategyTestData.scores(a, user: 2), StrategyTestData.scores(b, user: 2))
        XCTAssertNotEqual(StrategyTestData.scores(a, user: 2), StrategyTestData.scores(c, user: 2))
        XCTAssertNotEqual(StrategyTestData.scores(a, user: 2), StrategyTestData.scores(a, user: 3))
        // Scoring order does not matter.
        _ = StrategyTestData.scores(b, user: 0)
        XCTAssertEqual(StrategyTestData.scores(a, user: 2), StrategyTestData.scores(b, user: 2))
        // An explicit seed overrides the run's.
        let d = try StrategyTestData.fitted("random", ["seed": .int(1)], seed: 99)
        XCTAssertEqual(StrategyTestData.scores(a, user: 2), StrategyTestData.scores(d, user: 2))
        for s in StrategyTestData.scores(a, user: 2) { XCTAssertTrue(s >= 0 && s < 1) }
        XCTAssertEqual(Set(StrategyTestData.ranking(a, user: 0)), [3, 4])
    }
}
