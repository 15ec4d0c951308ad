import Foundation
import RecLabCore
import RecLabStrategies
import XCTest

final class ContentTests: XCTestCase {
    func testTFIDFItemProfilesByHand() throws {
        let r = try StrategyTestData.fitted("content", train: StrategyTestData.train(withContent: true)) as! ContentRecommender
        // Five items; df: Action 3, Comedy 2, Drama 3, tag "space" 2 (case-folded), "sad" 2; "unique" is on one
        // item only and dropped. i2 = (Action ln(5/3), space (1 + ln 1)·ln(5/2)), then L2-normalised.
        let action = Float(log(5.0 / 3.0)), rare = Float(log(5.0 / 2.0))
        let norm2 = (action * action + rare * rare).squareRoot()
        let p2 = r.profile(of: 1)
        XCTAssertEqual(Set(p2.keys), ["Action", "tag:space"])
        XCTAssertEqual(p2["Action"]!, action / norm2, accuracy: 1e-5)
        XCTAssertEqual(p2["tag:space"]!, rare / norm2, accuracy: 1e-5)
        // i1's "Space" was applied twice: sublinear tf 1 + ln 2.
        let space1 = (1 + Float(log(2.0))) * rare
        let norm1 = (action * action + rare * rare + space1 * space1).squareRoot()
        XCTAssertEqual(r.profile(of: 0)["tag:space"]!, space1 / norm1, accuracy: 1e-5)
        XCTAssertEqual(Set(r.profile(of: 4).keys), ["Action", "Drama"])
    }

    func testScoresAreCosineToUserProfile() throws {
        // Reference values computed with numpy from the same TF-IDF definition.
        let train = StrategyTestData.train(withContent: true)
        let binary = try StrategyTestData.fitted("content", ["weighting": .string("binary")], train: train)
        let expected: [Float] = [0.32185359, 0, 0.75315944, 1, 0.25932438]
        for (a, b) in zip(StrategyTestData.scores(binary, user: 3), expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(StrategyTestData.ranking(binary, user: 3, train: train), [2, 0, 4, 1])
        // Centred weights: u1 liked i1, i2 and disliked i3 (mean 10/3).
        let centred = try StrategyTestData.fitted("content", train: train)
        let expectedCentred: [Float] = [0.68825019, 0.64406891, -0.71770438, -0.37554887, -0.07763808]
        for (a, b) in zip(StrategyTestData.scores(centred, user: 0), expectedCentred) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(StrategyTestData.ranking(centred, user: 0, train: train), [4, 3])
    }

    func testColdAndFlatUsersGetPopularity() throws {
        let train = StrategyTestData.train(withContent: true)
        let r = try StrategyTestData.fitted("content", train: train)
        XCTAssertEqual(StrategyTestData.ranking(r, user: 4, train: train), [1, 0, 2, 3, 4])
        // u4 rated one item: centring leaves a zero profile, so popularity again (minus the training item).
        XCTAssertEqual(StrategyTestData.ranking(r, user: 3, train: train), [1, 0, 2, 4])
        // Implicit feedback: centring would erase every profile, so 0/1 weights are used.
        let implicit = TrainingSet(dataset: StrategyTestData.dataset(withContent: true), feedback: .implicit)
        let ri = try StrategyTestData.fitted("content", train: implicit)
        XCTAssertEqual(StrategyTestData.scores(ri, user: 3)[2], 0.75315944, accuracy: 1e-5)
    }
}

final class HybridTests: XCTestCase {
    private func rescaled(_ s: [Float]) -> [Float] {
        let lo = s.min()!, hi = s.max()!
        return s.map { hi > lo ? ($0 - lo) / (hi - lo) : 0 }
    }

    func testWarmUsersAndItemsRankAsTheBase() throws {
        let train = StrategyTestData.train(withContent: true)
        let hybrid = try StrategyTestData.fitted("hybrid", ["base": .string("item-knn"), "base.shrink": .int(0),
                                                            "min_user_interactions": .int(0), "min_item_interactions": .int(0)],
                                                 train: train)
        let base = try StrategyTestData.fitted("item-knn", ["shrink": .int(0)], train: train)
        for u in 0..<4 {
            XCTAssertEqual(StrategyTestData.ranking(hybrid, user: u, train: train), StrategyTestData.ranking(base, user: u, train: train))
        }
    }

    func testBlendingRuleByHand() throws {
        let train = StrategyTestData.train(withContent: true)
        let hybrid = try StrategyTestData.fitted("hybrid", ["base": .string("most-popular"), "fallback.weighting": .string("binary"),
                                                            "min_user_interactions": .int(2), "min_item_interactions": .int(4),
                                                            "cold_item_weight": .double(0.3)],
                                                 train: train)
        let content = try StrategyTestData.fitted("content", ["weighting": .string("binary")], train: train)
        // u4 has 1 interaction (confidence 1/2); items have 2, 3, 2, 2, 0 (confidence 1/2, 3/4, 1/2, 1/2, 0).
        let base = rescaled([2, 3, 2, 2, 0]), fb = rescaled(StrategyTestData.scores(content, user: 3))
        let itemConfidence: [Float] = [0.5, 0.75, 0.5, 0.5, 0]
        let got = StrategyTestData.scores(hybrid, user: 3)
        for j in 0..<5 {
            let v = itemConfidence[j]
            XCTAssertEqual(got[j], 0.5 * (v * base[j] + (1 - v) * 0.3 * fb[j]) + 0.5 * fb[j], accuracy: 1e-5, "item \(j)")
        }
        // The cold item 5 is placed by its content match alone: 0.5·0.3·fb + 0.5·fb.
        XCTAssertEqual(got[4], 0.65 * fb[4], accuracy: 1e-6)
    }

    func testColdUserGetsFallbackRanking() throws {
        let train = StrategyTestData.train(withContent: true)
        let hybrid = try StrategyTestData.fitted("hybrid", ["base": .string("ease"), "fallback": .string("most-popular")], train: train)
        XCTAssertEqual(StrategyTestData.ranking(hybrid, user: 4, train: train), [1, 0, 2, 3, 4])
        XCTAssertFalse(hybrid.predictsRatings)
        let rating = try StrategyTestData.fitted("hybrid", ["base": .string("top-rated")], train: train)
        XCTAssertTrue(rating.predictsRatings)
        XCTAssertNotNil(rating.predict(user: 0, item: 3))
    }

    func testPrefixedParameterErrorsNameTheFullKey() {
        XCTAssertThrowsError(try StrategyRegistry.make(type: "hybrid", parameters: Parameters(["base.lambda": .int(-3)], lines: ["base.lambda": 12]))) {
            let e = $0 as? RecLabError
            XCTAssertEqual(e?.key, "base.lambda")
            XCTAssertEqual(e?.line, 12)
        }
        XCTAssertThrowsError(try StrategyRegistry.make(type: "hybrid", parameters: Parameters(["fallback.nope": .int(1)]))) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "fallback.nope")
        }
        XCTAssertThrowsError(try StrategyRegistry.make(type: "hybrid", parameters: Parameters(["base": .string("hybrid")]))) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "base")
        }
    }
}

final class HybridWithFactorBaseTests: XCTestCase {
    /// The hybrid passes `base.*` parameters to a factor model and stays deterministic per seed.
    func testImplicitALSBaseWithPrefixedParameters() throws {
        let train = StrategyTestData.train(.implicit, withContent: true)
        let params: [String: ParamValue] = ["base": .string("implicit-als"), "base.factors": .int(3), "base.iterations": .int(4),
                                            "base.regularization": .double(0.1), "min_user_interactions": .int(2)]
        let a = try StrategyTestData.fitted("hybrid", params, train: train, seed: 3)
        let b = try StrategyTestData.fitted("hybrid", params, train: train, seed: 3)
        for u in 0..<5 { XCTAssertEqual(StrategyTestData.scores(a, user: u), StrategyTestData.scores(b, user: u)) }
        for s in StrategyTestData.scores(a, user: 0) { XCTAssertTrue(s >= 0 && s <= 1, "blend of [0, 1] scores") }
        XCTAssertEqual(Set(StrategyTestData.ranking(a, user: 0, train: train)), [3, 4])
        XCTAssertThrowsError(try StrategyRegistry.make(type: "hybrid", parameters: Parameters(["base": .string("implicit-als"), "base.factors": .string("many")]))) {
            XCTAssertEqual(($0 as? RecLabError)?.key, "base.factors")
        }
    }
}
